// THROWAWAY
#![allow(clippy::unwrap_used)]
use priceline_synth::*;
#[test]
fn speed() {
    for &f in Format::ALL {
        let spec = Spec {
            seed: 1,
            hospital: 0,
            rows: 1_000_000,
        };
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(format!("/tmp/synth-out/big.{}", f.name())).unwrap(),
        );
        let start = std::time::Instant::now();
        let stats = write(&spec, f, &mut file).unwrap();
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{f:?}: {secs:.2}s {:.0} tall rows/s {stats:?}",
            stats.tall_rows as f64 / secs
        );
    }
}
