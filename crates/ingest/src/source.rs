//! Documents: the price files inside what was downloaded. A plain file is one document, a gzip file
//! is one (decompressed), a ZIP archive is one per member. Readers make several passes over a
//! document (sniff, then read; JSON also a header pass), so a document re-opens its bytes on demand
//! instead of holding them.

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;
use zip::ZipArchive;

use crate::IngestError;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZIP_MAGIC: [u8; 4] = *b"PK\x03\x04";

/// One price file to read: re-openable, possibly inside a gzip stream or a ZIP archive.
#[derive(Debug, Clone)]
pub struct Document {
    name: String,
    /// The path as the caller gave it (`data/demo/tall/x.csv`, `archive.zip!member.csv`): what
    /// messages and reports name, so an operator can find the file again.
    location: String,
    origin: Origin,
    container: Container,
    /// Bytes delivered so far by the current pass, for progress displays (see [`Document::with_progress`]).
    progress: Option<Arc<AtomicU64>>,
    /// Once set, reading fails (see [`Document::with_stop`]).
    stop: Option<Arc<AtomicBool>>,
}

#[derive(Debug, Clone)]
enum Origin {
    Path(PathBuf),
    Memory(Arc<[u8]>),
}

#[derive(Debug, Clone, Copy)]
enum Container {
    Plain,
    Gzip,
    ZipMember(usize),
}

trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// The documents in a file on disk: gzip and ZIP are recognised by their magic bytes, not their name.
pub fn open(path: impl AsRef<Path>) -> Result<Vec<Document>, IngestError> {
    let path = path.as_ref();
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    documents(
        name,
        path.display().to_string(),
        Origin::Path(path.to_path_buf()),
    )
}

/// The documents in bytes already in memory (tests, uploads).
pub fn from_bytes(name: &str, bytes: impl Into<Vec<u8>>) -> Result<Vec<Document>, IngestError> {
    documents(
        name.to_owned(),
        name.to_owned(),
        Origin::Memory(Arc::from(bytes.into())),
    )
}

fn documents(name: String, location: String, origin: Origin) -> Result<Vec<Document>, IngestError> {
    let mut magic = [0u8; 4];
    let read = read_up_to(&mut origin.raw()?, &mut magic)?;
    let plain = Document {
        name: name.clone(),
        location: location.clone(),
        origin: origin.clone(),
        container: Container::Plain,
        progress: None,
        stop: None,
    };
    if read >= 2 && magic[..2] == GZIP_MAGIC {
        return Ok(vec![Document {
            container: Container::Gzip,
            ..plain
        }]);
    }
    if read == 4 && magic == ZIP_MAGIC {
        let mut archive = ZipArchive::new(origin.raw()?).map_err(archive_error)?;
        // An Excel workbook is a ZIP archive too: it is one document (a legacy chargemaster).
        if archive.index_for_name("xl/workbook.xml").is_some() {
            return Ok(vec![plain]);
        }
        let mut members = Vec::new();
        for index in 0..archive.len() {
            let member = archive.by_index(index).map_err(archive_error)?;
            if member.is_file() {
                let member_name = member.name().map_err(archive_error)?;
                members.push(Document {
                    name: format!("{name}!{member_name}"),
                    location: format!("{location}!{member_name}"),
                    origin: origin.clone(),
                    container: Container::ZipMember(index),
                    progress: None,
                    stop: None,
                });
            }
        }
        if members.is_empty() {
            return Err(IngestError::NotAPriceFile(
                "a ZIP archive without any file".into(),
            ));
        }
        return Ok(members);
    }
    Ok(vec![plain])
}

impl Document {
    /// The file name (`archive.zip!member.csv` for a ZIP member).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The path as given when the file was opened (`archive.zip!member.csv` for a ZIP member).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Runs `read` over a fresh stream of the document's (decompressed) bytes.
    pub fn with_reader<T>(
        &self,
        read: impl FnOnce(&mut dyn Read) -> Result<T, IngestError>,
    ) -> Result<T, IngestError> {
        let raw = self.origin.raw()?;
        let (progress, stop) = (self.progress.as_deref(), self.stop.as_deref());
        if let Some(counter) = progress {
            counter.store(0, Ordering::Relaxed);
        }
        match self.container {
            Container::Plain => read(&mut Counted::new(
                BufReader::with_capacity(1 << 16, raw),
                progress,
                stop,
            )),
            Container::Gzip => read(&mut Counted::new(
                MultiGzDecoder::new(BufReader::new(raw)),
                progress,
                stop,
            )),
            Container::ZipMember(index) => {
                let mut archive = ZipArchive::new(raw).map_err(archive_error)?;
                let member = archive.by_index(index).map_err(archive_error)?;
                read(&mut Counted::new(member, progress, stop))
            }
        }
    }

    /// The document's (decompressed) size where it is known without reading it: a plain file's, a
    /// ZIP member's from the archive's directory; `None` for gzip.
    pub fn size_hint(&self) -> Option<u64> {
        match self.container {
            Container::Plain => match &self.origin {
                Origin::Path(path) => std::fs::metadata(path).ok().map(|meta| meta.len()),
                Origin::Memory(bytes) => Some(bytes.len() as u64),
            },
            Container::Gzip => None,
            Container::ZipMember(index) => {
                let mut archive = ZipArchive::new(self.origin.raw().ok()?).ok()?;
                let member = archive.by_index(index).ok()?;
                Some(member.size())
            }
        }
    }

    /// Counts into `counter` the (decompressed) bytes each pass over the document has delivered,
    /// reset at the start of every pass; compare with `Sniffed::bytes` for a progress fraction.
    pub fn with_progress(mut self, counter: Arc<AtomicU64>) -> Self {
        self.progress = Some(counter);
        self
    }

    /// Makes every read fail once `stop` is set: a consumer that has given up (an import whose
    /// writer stopped) ends a pass over a large file early.
    pub fn with_stop(mut self, stop: Arc<AtomicBool>) -> Self {
        self.stop = Some(stop);
        self
    }
}

impl Origin {
    fn raw(&self) -> io::Result<Box<dyn ReadSeek>> {
        Ok(match self {
            Self::Path(path) => Box::new(File::open(path)?),
            Self::Memory(bytes) => Box::new(Cursor::new(Arc::clone(bytes))),
        })
    }
}

/// A reader that adds what it delivers to a progress counter, and fails once told to stop.
struct Counted<'a, R> {
    inner: R,
    counter: Option<&'a AtomicU64>,
    stop: Option<&'a AtomicBool>,
}

impl<'a, R: Read> Counted<'a, R> {
    fn new(inner: R, counter: Option<&'a AtomicU64>, stop: Option<&'a AtomicBool>) -> Self {
        Self {
            inner,
            counter,
            stop,
        }
    }
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.stop.is_some_and(|stop| stop.load(Ordering::Relaxed)) {
            return Err(io::Error::other("reading was stopped"));
        }
        let count = self.inner.read(buffer)?;
        if let Some(counter) = self.counter {
            counter.fetch_add(count as u64, Ordering::Relaxed);
        }
        Ok(count)
    }
}

fn read_up_to(reader: &mut dyn Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..])? {
            0 => break,
            read => filled += read,
        }
    }
    Ok(filled)
}

fn archive_error(error: zip::result::ZipError) -> IngestError {
    IngestError::Archive(error.to_string())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_stopped_document_fails_its_next_read() {
        let stop = Arc::new(AtomicBool::new(false));
        let document = from_bytes("a.csv", b"abc".to_vec())
            .unwrap()
            .remove(0)
            .with_stop(Arc::clone(&stop));
        assert_eq!(contents(&document), "abc");
        stop.store(true, Ordering::Relaxed);
        let read = document.with_reader(|reader| Ok(reader.read(&mut [0u8; 4])?));
        assert!(matches!(read, Err(IngestError::Io(_))), "{read:?}");
    }

    fn contents(document: &Document) -> String {
        document
            .with_reader(|reader| {
                let mut text = String::new();
                reader.read_to_string(&mut text)?;
                Ok(text)
            })
            .unwrap()
    }

    #[test]
    fn decompresses_gzip_by_its_magic() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"hello,world\n").unwrap();
        let documents = from_bytes("prices.csv", encoder.finish().unwrap()).unwrap();
        assert_eq!(documents.len(), 1);
        assert_eq!(contents(&documents[0]), "hello,world\n");
    }

    #[test]
    fn lists_each_zip_member_as_a_document() {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        writer.add_directory("dir/", options).unwrap();
        writer.start_file("dir/a.csv", options).unwrap();
        writer.write_all(b"a").unwrap();
        writer.start_file("b.json", options).unwrap();
        writer.write_all(b"{}").unwrap();
        let bytes = writer.finish().unwrap().into_inner();
        let documents = from_bytes("bundle.zip", bytes).unwrap();
        let names: Vec<&str> = documents.iter().map(Document::name).collect();
        assert_eq!(names, ["bundle.zip!dir/a.csv", "bundle.zip!b.json"]);
        assert_eq!(contents(&documents[1]), "{}");
    }
}
