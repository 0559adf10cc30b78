//! Exact repeats anywhere in a file, in memory that grows with the file's items, not its rows.
//!
//! An exact repeat of a row has the same item identity as the row it repeats (its description,
//! codes and drug are among its cells). Rows of one item are grouped while they are consecutive
//! (`group.rs`), and a repeat inside such a group is found by the group's own set. A repeat further
//! away therefore starts a group of an item seen before. So each group's rows, as (row hash, row)
//! pairs, are appended to a temporary *spill* file when the group ends, and an in-memory index maps
//! each item identity to the last segment written for it. When a group of a known identity starts,
//! that segment is read back, and its rows are checked like the group's own. A group that continues
//! an earlier one writes a merged segment (the earlier rows and its own), so each identity has one
//! segment to read, whatever the number of groups it is split into.
//!
//! What it costs, per file:
//! - memory: the index, 8 bytes per slot at most 80% full, so 10–20 bytes per distinct item
//!   (a 5M-row Tall file of 400k items: 4 MB), plus the rows of the group being read;
//! - temporary disk: 16 bytes per row (the pairs) and 16 per group, in an unnamed file the
//!   operating system deletes when the read ends, under the temporary folder (`TMPDIR`);
//! - time: one buffered 16-byte write per row, one index probe per group, one read per group
//!   of an item seen before.
//!
//! The index keeps 32 bits of an identity's fingerprint; the full fingerprint is in the segment,
//! so a false match of the 32 bits costs one read and is then discarded. A row is a repeat when
//! its 64-bit hash equals one of a row of the same item: two different rows of one item share a
//! hash with a probability of about n²/2⁶⁵ for n rows of that item.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

/// Row hash → the row (or JSON element) where it was first read. The keys are hashes already:
/// foldhash mixes them in a few instructions where SipHash would cost more than the lookup.
pub(crate) type Rows = HashMap<u64, u64, foldhash::fast::FixedState>;

/// The rows of every group read so far, by item identity.
pub(crate) struct Repeats {
    spill: Option<BufWriter<File>>,
    /// Where the next segment starts in the spill.
    end: u64,
    index: Index,
    /// The last identity read back and its rows, until a segment is written for it: a run of
    /// repeated rows of an earlier item reads its segment once.
    recalled: Option<(u64, Rows)>,
    /// The first I/O error of the spill; from then on only repeats within a group are found,
    /// and the read fails with it when it ends.
    error: Option<io::Error>,
    /// The bytes of the segment being written, kept from one to the next.
    segment: Vec<u8>,
}

impl Repeats {
    pub fn new() -> Self {
        Self {
            spill: None,
            end: 0,
            index: Index::with_capacity(1 << 12),
            recalled: None,
            error: None,
            segment: Vec::new(),
        }
    }

    /// The rows read so far of the item `identity`, in groups other than the current one.
    pub fn recall(&mut self, identity: u64) -> &Rows {
        let cached = matches!(&self.recalled, Some((id, _)) if *id == identity);
        if !cached {
            let rows = match self.find(identity) {
                Ok(found) => found.unwrap_or_default(),
                Err(error) => {
                    self.fail(error);
                    Rows::default()
                }
            };
            self.recalled = Some((identity, rows));
        }
        match &self.recalled {
            Some((_, rows)) => rows,
            None => unreachable!("just set"),
        }
    }

    /// Adds the recalled rows of `identity` to `rows`, for the group that starts now (they are
    /// written again, with the group's own, when it ends). `rows` keeps its allocation from group
    /// to group.
    pub fn recall_into(&mut self, identity: u64, rows: &mut Rows) {
        self.recall(identity);
        if let Some((_, recalled)) = self.recalled.take()
            && !recalled.is_empty()
        {
            rows.extend(recalled);
        }
    }

    /// Keeps the rows of a group that ended: `rows` holds the group's own and those recalled
    /// when it started, so the segment written replaces the identity's previous one.
    pub fn remember(&mut self, identity: u64, rows: &Rows) {
        if self.error.is_some() {
            return;
        }
        if matches!(&self.recalled, Some((id, _)) if *id == identity) {
            self.recalled = None;
        }
        if let Err(error) = self.write(identity, rows) {
            self.fail(error);
        }
    }

    /// The spill's I/O error, if one happened: the read must fail with it.
    pub fn finish(&mut self) -> io::Result<()> {
        self.spill = None;
        self.error.take().map_or(Ok(()), Err)
    }

    fn fail(&mut self, error: io::Error) {
        self.spill = None;
        self.recalled = None;
        self.index = Index::with_capacity(0);
        self.error.get_or_insert(error);
    }

    fn write(&mut self, identity: u64, rows: &Rows) -> io::Result<()> {
        if self.spill.is_none() {
            self.spill = Some(BufWriter::with_capacity(1 << 16, tempfile::tempfile()?));
        }
        let existing = self.slot_of(identity)?;
        let start = self.end;
        let segment = &mut self.segment;
        segment.clear();
        segment.extend_from_slice(&identity.to_le_bytes());
        segment.extend_from_slice(&(rows.len() as u64).to_le_bytes());
        for (hash, row) in rows {
            segment.extend_from_slice(&hash.to_le_bytes());
            segment.extend_from_slice(&row.to_le_bytes());
        }
        let spill = self.spill.as_mut().expect("opened above");
        spill.write_all(segment)?;
        self.end += 16 + 16 * rows.len() as u64;
        let place = Index::place(start)?;
        match existing {
            Some(slot) => self.index.places[slot] = place,
            None => self.index.insert(identity, place),
        }
        Ok(())
    }

    /// The index slot of `identity`'s segment, if it has one.
    fn slot_of(&mut self, identity: u64) -> io::Result<Option<usize>> {
        let mut next = self.index.candidate(identity, 0);
        while let Some((slot, step)) = next {
            if self.segment_identity(Index::offset(self.index.places[slot]))? == identity {
                return Ok(Some(slot));
            }
            next = self.index.candidate(identity, step + 1);
        }
        Ok(None)
    }

    fn find(&mut self, identity: u64) -> io::Result<Option<Rows>> {
        let Some(slot) = self.slot_of(identity)? else {
            return Ok(None);
        };
        let offset = Index::offset(self.index.places[slot]);
        let file = self.readable()?;
        file.seek(SeekFrom::Start(offset + 8))?;
        let mut word = [0u8; 8];
        file.read_exact(&mut word)?;
        let count = u64::from_le_bytes(word) as usize;
        let mut bytes = vec![0u8; 16 * count];
        file.read_exact(&mut bytes)?;
        file.seek(SeekFrom::End(0))?;
        let rows = bytes
            .chunks_exact(16)
            .map(|pair| {
                let (hash, row) = pair.split_at(8);
                (
                    u64::from_le_bytes(hash.try_into().expect("8 bytes")),
                    u64::from_le_bytes(row.try_into().expect("8 bytes")),
                )
            })
            .collect();
        Ok(Some(rows))
    }

    fn segment_identity(&mut self, offset: u64) -> io::Result<u64> {
        let file = self.readable()?;
        file.seek(SeekFrom::Start(offset))?;
        let mut word = [0u8; 8];
        file.read_exact(&mut word)?;
        file.seek(SeekFrom::End(0))?;
        Ok(u64::from_le_bytes(word))
    }

    /// The spill with everything written so far flushed, to read from.
    fn readable(&mut self) -> io::Result<&mut File> {
        let spill = self
            .spill
            .as_mut()
            .ok_or_else(|| io::Error::other("an indexed segment without a spill file"))?;
        spill.flush()?;
        Ok(spill.get_mut())
    }
}

/// Open addressing with linear probing: a slot holds the low 32 bits of an identity's fingerprint
/// (its tag) and where its segment starts, in 8-byte units plus one (0 marks an empty slot). The
/// tag's low bits choose the first slot, so the table can double without reading a fingerprint
/// back; a tag that matches by chance costs one read of a segment's identity.
struct Index {
    tags: Vec<u32>,
    places: Vec<u32>,
    len: usize,
}

impl Index {
    fn with_capacity(slots: usize) -> Self {
        Self {
            tags: vec![0; slots],
            places: vec![0; slots],
            len: 0,
        }
    }

    fn tag(identity: u64) -> u32 {
        identity as u32
    }

    fn place(offset: u64) -> io::Result<u32> {
        u32::try_from(offset / 8 + 1)
            .map_err(|_| io::Error::other("the repeated-row spill file outgrew 32 GiB"))
    }

    fn offset(place: u32) -> u64 {
        (u64::from(place) - 1) * 8
    }

    /// The first occupied slot holding `identity`'s tag at or after `step` steps from its home
    /// slot, with its step: probing goes on from that step plus one.
    fn candidate(&self, identity: u64, step: usize) -> Option<(usize, usize)> {
        let mask = self.tags.len().checked_sub(1)?;
        let tag = Self::tag(identity);
        let home = tag as usize & mask;
        (step..self.tags.len())
            .map(|step| ((home + step) & mask, step))
            .take_while(|&(slot, _)| self.places[slot] != 0)
            .find(|&(slot, _)| self.tags[slot] == tag)
    }

    fn insert(&mut self, identity: u64, place: u32) {
        // At most 80% full keeps probe runs short.
        if (self.len + 1) * 5 > self.tags.len() * 4 {
            self.grow();
        }
        self.put(Self::tag(identity), place);
    }

    fn put(&mut self, tag: u32, place: u32) {
        let mask = self.tags.len() - 1;
        let mut slot = tag as usize & mask;
        while self.places[slot] != 0 {
            slot = (slot + 1) & mask;
        }
        self.tags[slot] = tag;
        self.places[slot] = place;
        self.len += 1;
    }

    fn grow(&mut self) {
        let bigger = Self::with_capacity((self.tags.len() * 2).max(16));
        let old = std::mem::replace(self, bigger);
        for (tag, place) in old.tags.into_iter().zip(old.places) {
            if place != 0 {
                self.put(tag, place);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(pairs: &[(u64, u64)]) -> Rows {
        pairs.iter().copied().collect()
    }

    #[test]
    fn an_item_split_in_groups_is_read_back_whole() {
        let mut repeats = Repeats::new();
        assert!(repeats.recall(7).is_empty());
        let mut first = Rows::default();
        repeats.recall_into(7, &mut first);
        first.insert(100, 1);
        first.insert(101, 2);
        repeats.remember(7, &first);
        repeats.remember(8, &rows(&[(200, 3)]));
        // The item's second group starts: it sees the first one's rows, adds its own.
        let mut second = Rows::default();
        repeats.recall_into(7, &mut second);
        assert_eq!(second, rows(&[(100, 1), (101, 2)]));
        second.insert(102, 9);
        repeats.remember(7, &second);
        assert_eq!(repeats.recall(7), &rows(&[(100, 1), (101, 2), (102, 9)]));
        assert_eq!(repeats.recall(8), &rows(&[(200, 3)]));
        assert!(repeats.recall(9).is_empty());
        repeats.finish().unwrap();
    }

    #[test]
    fn many_items_grow_the_index_and_stay_found() {
        let mut repeats = Repeats::new();
        // Identities whose low 32 bits collide (the tags) are told apart by the segments.
        let identities: Vec<u64> = (0..20_000u64)
            .map(|n| if n % 2 == 0 { n } else { (n << 32) | (n - 1) })
            .collect();
        for (row, &identity) in identities.iter().enumerate() {
            repeats.remember(identity, &rows(&[(identity ^ 0xabc, row as u64)]));
        }
        for (row, &identity) in identities.iter().enumerate() {
            assert_eq!(
                repeats.recall(identity),
                &rows(&[(identity ^ 0xabc, row as u64)]),
                "identity {identity:#x}"
            );
        }
        assert!(repeats.index.tags.len() >= 20_000 * 5 / 4);
        repeats.finish().unwrap();
    }
}
