//! A whole demo dataset: many hospitals, each in the asked formats, named by the CMS file name rule.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use crate::{Format, Hospital, Spec, write};

/// Writes hospitals `0..hospitals` of `seed`, about `rows_per_hospital` Tall rows each, in every
/// format of `formats`. Each format gets its own sub-directory (`tall/`, `wide/`, `json/`) because a
/// Tall and a Wide file of one hospital share the CMS name `<EIN>_<hospital-name>_standardcharges.csv`.
/// Returns the paths written, hospital by hospital in the order of `formats`.
pub fn write_dataset(
    dir: &Path,
    seed: u64,
    hospitals: usize,
    rows_per_hospital: u64,
    formats: &[Format],
) -> io::Result<Vec<PathBuf>> {
    for format in formats {
        fs::create_dir_all(dir.join(format.name()))?;
    }
    let mut paths = Vec::with_capacity(hospitals * formats.len());
    for index in 0..hospitals {
        let hospital = Hospital::new(seed, index);
        let spec = Spec {
            seed,
            hospital: index,
            rows: rows_per_hospital,
        };
        for &format in formats {
            let path = dir.join(format.name()).join(hospital.file_name(format));
            write(&spec, format, &mut File::create(&path)?)?;
            paths.push(path);
        }
    }
    Ok(paths)
}
