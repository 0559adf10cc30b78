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
//! - memory: the index, 6 bytes per slot with its shards 72–90% full, so 7–8.5 bytes per distinct
//!   item (a 5M-row Tall file of 540k items: about 4 MB; a 100M-row file of 10M items: 80 MB), plus
//!   the rows of the group being read;
//! - temporary disk: 16 bytes per row (the pairs) and 16 per group, in an unnamed file the
//!   operating system deletes when the read ends, under the temporary folder (`TMPDIR`);
//! - time: one buffered 16-byte write per row, one index probe per group, one read per group
//!   of an item seen before.
//!
//! The index keeps 24 bits of an identity's fingerprint; the full fingerprint is in the segment,
//! so a false match of the 24 bits costs one read and is then discarded. A row is a repeat when
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
            index: Index::new(),
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
        self.index = Index::new();
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
            Some(slot) => self.index.set_place(slot, place),
            None => self.index.insert(identity, place),
        }
        Ok(())
    }

    /// The index slot of `identity`'s segment, if it has one.
    fn slot_of(&mut self, identity: u64) -> io::Result<Option<Slot>> {
        let mut next = self.index.candidate(identity, 0);
        while let Some((slot, step)) = next {
            if self.segment_identity(Index::offset(self.index.place_of(slot)))? == identity {
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
        let offset = Index::offset(self.index.place_of(slot));
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

/// The index: 256 shards chosen by the top 8 bits of an identity's fingerprint, each an open
/// addressing table with linear probing. A slot holds the next 16 bits (the tag) and where the
/// identity's segment starts, in 16-byte units plus one (0 marks an empty slot): 6 bytes. The
/// home slot is the tag scaled to the shard's length, so a shard grows to any length without
/// reading a fingerprint back, by a quarter at a time (a shard is at most 90% and at least 72% full
/// once it holds a few items) and one shard at a time (growing never holds two copies of the
/// index). A tag that matches by chance costs one read of a segment's identity.
struct Index {
    shards: Vec<Shard>,
}

/// A slot of the index: its shard and its place in the shard.
#[derive(Clone, Copy)]
struct Slot {
    shard: usize,
    slot: usize,
}

#[derive(Default)]
struct Shard {
    tags: Vec<u16>,
    places: Vec<u32>,
    len: usize,
}

impl Index {
    const SHARDS: usize = 256;

    fn new() -> Self {
        Self {
            shards: (0..Self::SHARDS).map(|_| Shard::default()).collect(),
        }
    }

    /// The shard and the tag of `identity`.
    fn parts(identity: u64) -> (usize, u16) {
        ((identity >> 56) as usize, (identity >> 40) as u16)
    }

    fn place(offset: u64) -> io::Result<u32> {
        u32::try_from(offset / 16 + 1)
            .map_err(|_| io::Error::other("the repeated-row spill file outgrew 64 GiB"))
    }

    fn offset(place: u32) -> u64 {
        (u64::from(place) - 1) * 16
    }

    fn place_of(&self, at: Slot) -> u32 {
        self.shards[at.shard].places[at.slot]
    }

    fn set_place(&mut self, at: Slot, place: u32) {
        self.shards[at.shard].places[at.slot] = place;
    }

    /// The first occupied slot holding `identity`'s tag at or after `step` steps from its home
    /// slot, with its step: probing goes on from that step plus one.
    fn candidate(&self, identity: u64, step: usize) -> Option<(Slot, usize)> {
        let (shard, tag) = Self::parts(identity);
        let table = &self.shards[shard];
        let slots = table.tags.len();
        let home = table.home(tag);
        (step..slots)
            .map(|step| ((home + step) % slots, step))
            .take_while(|&(slot, _)| table.places[slot] != 0)
            .find(|&(slot, _)| table.tags[slot] == tag)
            .map(|(slot, step)| (Slot { shard, slot }, step))
    }

    fn insert(&mut self, identity: u64, place: u32) {
        let (shard, tag) = Self::parts(identity);
        let table = &mut self.shards[shard];
        if (table.len + 1) * 10 > table.tags.len() * 9 {
            table.grow();
        }
        table.put(tag, place);
    }

    /// Slots in all shards.
    #[cfg(test)]
    fn slots(&self) -> usize {
        self.shards.iter().map(|shard| shard.tags.len()).sum()
    }
}

impl Shard {
    fn home(&self, tag: u16) -> usize {
        (usize::from(tag) * self.tags.len()) >> 16
    }

    fn put(&mut self, tag: u16, place: u32) {
        let slots = self.tags.len();
        let mut slot = self.home(tag);
        while self.places[slot] != 0 {
            slot = (slot + 1) % slots;
        }
        self.tags[slot] = tag;
        self.places[slot] = place;
        self.len += 1;
    }

    fn grow(&mut self) {
        let slots = (self.tags.len() + self.tags.len() / 4).max(8);
        let old = std::mem::replace(
            self,
            Self {
                tags: vec![0; slots],
                places: vec![0; slots],
                len: 0,
            },
        );
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
        // Fingerprint-like identities, every other one equal to the one before it but for its
        // lowest bit: the same shard and tag, told apart by the segments.
        let identities: Vec<u64> = (0..20_000u64)
            .map(|n| (n / 2).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (n % 2))
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
        assert!(repeats.index.slots() >= 20_000 * 10 / 9);
        repeats.finish().unwrap();
    }
}
