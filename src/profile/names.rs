//! [`TypedNames`]: each record's names as typed, packed, for the profiles'
//! spellings without holding the raw records.

use crate::record::Record;

/// The given, family and full names of each record as typed (`Hélène`,
/// `LEFÈVRE`, `Mme DUPONT Marie`), in record order, packed into one text
/// buffer: about 20 bytes per record beyond the names' own bytes, where a
/// raw [`Record`] kept for its names costs over 300.
///
/// Give it to [`ProfileBuilder::typed_names`](super::ProfileBuilder::typed_names)
/// in place of the raw records: the profiles are the same.
///
/// ```
/// use omnicanal::profile::TypedNames;
/// use omnicanal::{Channel, Record, SourceKey};
///
/// let record = Record::builder(SourceKey::new(Channel::Store, "1")?)
///     .given_name("Hélène")?.family_name("LEFÈVRE")?.build();
/// let mut names = TypedNames::new();
/// names.push(&record);
/// assert_eq!(names.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TypedNames {
    text: String,
    /// End of each name in `text`.
    ends: Vec<u64>,
    /// Per record, the end (in `ends`) of its given names, of its family
    /// names and of its full names: record `r`'s names follow record
    /// `r - 1`'s.
    records: Vec<[u32; 3]>,
}

impl std::fmt::Debug for TypedNames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Counts only: names are personal data.
        f.debug_struct("TypedNames")
            .field("records", &self.records.len())
            .field("names", &self.ends.len())
            .finish_non_exhaustive()
    }
}

impl TypedNames {
    /// No record yet.
    pub fn new() -> TypedNames {
        TypedNames::default()
    }

    /// Adds the next record's names. Past `u32::MAX` names in all (far more
    /// than any batch of `u32` record ids holds), a record's names are not
    /// kept and its profile spells them from their folded forms.
    pub fn push(&mut self, record: &Record) {
        let before = (self.text.len(), self.ends.len());
        let mut bounds = [0u32; 3];
        let groups = [
            &record.given_names,
            &record.family_names,
            &record.full_names,
        ];
        for (bound, group) in bounds.iter_mut().zip(groups) {
            for name in group {
                self.text.push_str(name);
                self.ends.push(self.text.len() as u64);
            }
            match u32::try_from(self.ends.len()) {
                Ok(end) => *bound = end,
                Err(_) => {
                    self.text.truncate(before.0);
                    self.ends.truncate(before.1);
                    let end = self.end_of(self.records.len());
                    self.records.push([end; 3]);
                    return;
                }
            }
        }
        self.records.push(bounds);
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when no record is held.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Keeps the records `r` for which `keep[r]` (records past `keep` are
    /// kept), in order.
    pub fn retain_by(&mut self, keep: &[bool]) {
        let mut kept = TypedNames::new();
        for r in 0..self.len() {
            if keep.get(r).copied().unwrap_or(true) {
                let names = self.get(r);
                let mut bounds = [0u32; 3];
                for (bound, list) in bounds
                    .iter_mut()
                    .zip([names.given, names.family, names.full])
                {
                    for name in list.iter() {
                        kept.text.push_str(name);
                        kept.ends.push(kept.text.len() as u64);
                    }
                    // Fewer names than before: fits.
                    *bound = kept.ends.len() as u32;
                }
                kept.records.push(bounds);
            }
        }
        *self = kept;
    }

    /// Heap bytes held, capacities included.
    pub fn memory_bytes(&self) -> usize {
        self.text.capacity()
            + self.ends.capacity() * size_of::<u64>()
            + self.records.capacity() * size_of::<[u32; 3]>()
    }

    /// Where record `r`'s names end in `ends`; where they start for `r + 1`.
    fn end_of(&self, r: usize) -> u32 {
        match r.checked_sub(1) {
            Some(previous) => self.records.get(previous).map_or(0, |b| b[2]),
            None => 0,
        }
    }

    /// Record `r`'s names (empty lists past the end).
    pub(crate) fn get(&self, r: usize) -> RawNames<'_> {
        let start = self.end_of(r);
        let [given, family, full] = self.records.get(r).copied().unwrap_or([start; 3]);
        RawNames {
            given: NameList::Packed(self, start, given),
            family: NameList::Packed(self, given, family),
            full: NameList::Packed(self, family, full),
        }
    }

    fn name(&self, i: u32) -> &str {
        let i = i as usize;
        let start = i
            .checked_sub(1)
            .and_then(|p| self.ends.get(p))
            .copied()
            .unwrap_or(0);
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.text.get(start as usize..end as usize).unwrap_or("")
    }
}

/// One record's names as typed, from a raw record or from [`TypedNames`].
#[derive(Clone, Copy)]
pub(crate) struct RawNames<'a> {
    pub(crate) given: NameList<'a>,
    pub(crate) family: NameList<'a>,
    pub(crate) full: NameList<'a>,
}

impl<'a> RawNames<'a> {
    /// The names of a raw record.
    pub(crate) fn of(record: &'a Record) -> RawNames<'a> {
        RawNames {
            given: NameList::Strings(&record.given_names),
            family: NameList::Strings(&record.family_names),
            full: NameList::Strings(&record.full_names),
        }
    }

    /// No names.
    pub(crate) fn none() -> RawNames<'a> {
        RawNames {
            given: NameList::Strings(&[]),
            family: NameList::Strings(&[]),
            full: NameList::Strings(&[]),
        }
    }
}

/// A list of names.
#[derive(Clone, Copy)]
pub(crate) enum NameList<'a> {
    Strings(&'a [String]),
    /// Names `start..end` of the table.
    Packed(&'a TypedNames, u32, u32),
}

impl<'a> NameList<'a> {
    pub(crate) fn iter(self) -> impl Iterator<Item = &'a str> {
        let (strings, packed): (&'a [String], Option<(&'a TypedNames, u32, u32)>) = match self {
            NameList::Strings(s) => (s, None),
            NameList::Packed(t, start, end) => (&[], Some((t, start, end))),
        };
        strings.iter().map(String::as_str).chain(
            packed
                .into_iter()
                .flat_map(|(t, start, end)| (start..end).map(move |i| t.name(i))),
        )
    }
}
