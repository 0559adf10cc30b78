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
    let mut paths = Vec::with_capacity(hospitals * formats.len());
    for index in 0..hospitals {
        for &format in formats {
            paths.push(write_hospital(dir, seed, index, rows_per_hospital, format)?);
        }
    }
    Ok(paths)
}

/// Writes hospital `index` of `seed` in one format into `dir/<format>/`, named by the CMS rule.
pub fn write_hospital(
    dir: &Path,
    seed: u64,
    index: usize,
    rows: u64,
    format: Format,
) -> io::Result<PathBuf> {
    let hospital = Hospital::new(seed, index);
    let folder = dir.join(format.name());
    fs::create_dir_all(&folder)?;
    let path = folder.join(hospital.file_name(format));
    let spec = Spec {
        seed,
        hospital: index,
        rows,
    };
    write(&spec, format, &mut File::create(&path)?)?;
    Ok(path)
}
