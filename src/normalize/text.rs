//! Text folding: the one place accents, ligatures, case and punctuation are
//! removed, so every other normalizer compares like with like.
//!
//! The output alphabet is lower-case letters and digits separated by single
//! spaces. Letters of other scripts (Cyrillic, Arabic, CJK) are kept, lower-cased
//! where the script has case; symbols and emoji become separators; control and
//! format characters (right-to-left marks, zero-width joiners, BOM) vanish
//! without separating, since exports put them inside words.

use std::cell::Cell;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Folds `s` for comparison: compatibility decomposition (NFKD), combining
/// marks stripped, ligatures expanded (œ→oe, æ→ae, ß→ss), lower-cased,
/// apostrophes and punctuation turned into spaces, whitespace collapsed to
/// single spaces and trimmed.
///
/// ```
/// use omnicanal::normalize::text::fold;
/// assert_eq!(fold("  Œuvre   D’ALMEIDA-Lefèvre "), "oeuvre d almeida lefevre");
/// assert_eq!(fold("Straße"), "strasse");
/// ```
pub fn fold(s: &str) -> String {
    // The capacity `fold_into` asks for, so that it does not regrow.
    let mut out = String::with_capacity(s.len() + 1);
    fold_into(s, &mut out);
    out
}

/// [`fold`], appending to `out` (reuses the caller's buffer on hot paths). A
/// space separates the appended text from what `out` already held.
pub fn fold_into(s: &str, out: &mut String) {
    // ASCII text never grows when folded (one byte more for the separating
    // space); other text rarely does, so one reservation avoids regrowth.
    out.reserve(s.len() + 1);
    // Most fields of a French export are ASCII, or ASCII words with an
    // accented letter here and there: ASCII bytes take the steps of
    // `fold_char` inline, with the pending space in a local, and only the
    // other characters are decoded and go through `fold_char`. The plain
    // path, every character through `fold_char`, is `fold_chars` (tests).
    let mut pending_space = !out.is_empty();
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            fold_ascii_byte(b, out, &mut pending_space);
            i += 1;
        } else {
            // `i` only ever stops at character boundaries.
            let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else {
                break;
            };
            fold_one_char(c, out, &mut pending_space);
            i += c.len_utf8();
        }
    }
}

/// One step of [`fold_into`] for an ASCII byte, for callers that fold text
/// while looking at each character (the name tokenizer counts capitals in
/// the same pass). `pending_space` carries over between steps: start it at
/// `!out.is_empty()` to separate from what `out` holds, as `fold_into` does.
#[inline]
pub(crate) fn fold_ascii_byte(b: u8, out: &mut String, pending_space: &mut bool) {
    // One table look-up classifies and lower-cases the byte.
    let class = ASCII_FOLD[usize::from(b)];
    if class >= b'0' {
        if *pending_space {
            if !out.is_empty() {
                out.push(' ');
            }
            *pending_space = false;
        }
        out.push(char::from(class));
    } else if class == SEPARATES {
        *pending_space = true;
    }
    // VANISHES: nothing. NOT_ASCII never reaches here (callers pass ASCII).
}

/// One step of [`fold_into`] for any character; see [`fold_ascii_byte`].
pub(crate) fn fold_one_char(c: char, out: &mut String, pending_space: &mut bool) {
    let mut folder = Folder {
        out,
        pending_space: *pending_space,
    };
    fold_char(c, &mut folder);
    *pending_space = folder.pending_space;
}

/// [`ASCII_FOLD`]: other ASCII (punctuation, spaces, tabs, line breaks)
/// separates words.
const SEPARATES: u8 = 0;
/// [`ASCII_FOLD`]: control characters other than whitespace vanish inside
/// words.
const VANISHES: u8 = 1;
/// [`ASCII_FOLD`]: not ASCII, folded by [`fold_char`].
const NOT_ASCII: u8 = 2;

/// What folding does with each byte: an ASCII letter or digit gives itself
/// lower-cased (always `>= b'0'`), other bytes their class. A look-up costs
/// less than the three range tests of `u8::is_ascii_alphanumeric`, on the
/// path every byte of an export takes.
static ASCII_FOLD: [u8; 256] = {
    let mut table = [NOT_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        table[b] = if byte.is_ascii_alphanumeric() {
            byte.to_ascii_lowercase()
        } else if byte.is_ascii_control() && !byte.is_ascii_whitespace() && byte != 0x0b {
            VANISHES
        } else {
            SEPARATES
        };
        b += 1;
    }
    table
};

/// The pieces of `s` between `separator` bytes, as `str::split` gives them
/// (`"a  b"` → `a`, ``, `b`). `separator` must be ASCII.
///
/// A byte scan: `str::split` with a `char` sets up a searcher per call,
/// which costs more than the scan of a folded value's few bytes (an eighth
/// of normalizing an address went to it).
pub(crate) fn split_ascii(s: &str, separator: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.bytes().position(|b| b == separator) {
            Some(at) => {
                // An ASCII separator sits at a character boundary.
                rest = text.get(at + 1..);
                text.get(..at)
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

thread_local! {
    /// This thread's spare folding buffers, lent by [`ScratchBuffer`]; `None`
    /// while lent. Two, because name normalization holds one for its tokens
    /// while it builds each output string in another.
    static SPARE_BUFFERS: [Cell<Option<String>>; SPARE_COUNT] =
        const { [Cell::new(Some(String::new())), Cell::new(Some(String::new()))] };
}

/// How many spare buffers a thread keeps.
const SPARE_COUNT: usize = 2;

/// A spare buffer kept longer than this is dropped instead: one huge value
/// must not pin its memory to the thread.
const MAX_SPARE_CAPACITY: usize = 4096;

/// An empty `String` lent by the current thread and given back on drop.
///
/// Normalizing a record folds several values into buffers that are dropped
/// at the end of the call (name tokens, street and commune words); lending
/// a thread's buffers saves an allocation and a free for each, at the
/// cost of a thread-local access. A borrow nested deeper than the spares a
/// thread keeps finds none and gets a new `String`.
pub(crate) struct ScratchBuffer {
    buffer: String,
    /// The slot of [`SPARE_BUFFERS`] it goes back to; `SPARE_COUNT` for a
    /// buffer made because every spare was lent.
    slot: usize,
}

impl ScratchBuffer {
    /// Borrows one of the thread's spare buffers, empty.
    pub(crate) fn take() -> Self {
        let (mut buffer, slot) = SPARE_BUFFERS
            .try_with(|spares| {
                for (slot, spare) in spares.iter().enumerate() {
                    if let Some(buffer) = spare.take() {
                        return (buffer, slot);
                    }
                }
                (String::new(), SPARE_COUNT)
            })
            .unwrap_or((String::new(), SPARE_COUNT));
        buffer.clear();
        ScratchBuffer { buffer, slot }
    }
}

impl std::ops::Deref for ScratchBuffer {
    type Target = String;
    fn deref(&self) -> &String {
        &self.buffer
    }
}

impl std::ops::DerefMut for ScratchBuffer {
    fn deref_mut(&mut self) -> &mut String {
        &mut self.buffer
    }
}

impl Drop for ScratchBuffer {
    fn drop(&mut self) {
        if self.slot == SPARE_COUNT {
            return;
        }
        // A huge buffer goes back as a new empty one, so the slot is free
        // again without pinning the memory.
        let buffer = if self.buffer.capacity() <= MAX_SPARE_CAPACITY {
            std::mem::take(&mut self.buffer)
        } else {
            String::new()
        };
        // Fails only while the thread is being torn down.
        let _ = SPARE_BUFFERS.try_with(|spares| {
            if let Some(spare) = spares.get(self.slot) {
                spare.set(Some(buffer));
            }
        });
    }
}

/// True when `s` is already its own fold (lower-case alphanumerics separated by
/// single spaces). Lets callers skip work on values folded upstream.
pub fn is_folded(s: &str) -> bool {
    s.is_ascii()
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.contains("  ")
        && s.bytes()
            .all(|b| b == b' ' || b.is_ascii_digit() || b.is_ascii_lowercase())
}

/// Appends folded characters, turning runs of separators into one space and
/// never writing a leading or trailing space.
struct Folder<'a> {
    out: &'a mut String,
    pending_space: bool,
}

impl<'a> Folder<'a> {
    #[cfg(test)]
    fn new(out: &'a mut String) -> Self {
        let pending_space = !out.is_empty();
        Folder { out, pending_space }
    }

    #[inline]
    fn push(&mut self, c: char) {
        if self.pending_space {
            if !self.out.is_empty() {
                self.out.push(' ');
            }
            self.pending_space = false;
        }
        self.out.push(c);
    }

    #[inline]
    fn separate(&mut self) {
        self.pending_space = true;
    }
}

fn fold_char(c: char, folder: &mut Folder<'_>) {
    match c {
        'a'..='z' | '0'..='9' => folder.push(c),
        'A'..='Z' => folder.push(c.to_ascii_lowercase()),
        // Ligatures and letters that NFKD does not decompose.
        'œ' | 'Œ' => {
            folder.push('o');
            folder.push('e');
        }
        'æ' | 'Æ' => {
            folder.push('a');
            folder.push('e');
        }
        'ß' | 'ẞ' => {
            folder.push('s');
            folder.push('s');
        }
        'ø' | 'Ø' => folder.push('o'),
        'ł' | 'Ł' => folder.push('l'),
        'đ' | 'Đ' => folder.push('d'),
        'ı' => folder.push('i'),
        'þ' | 'Þ' => {
            folder.push('t');
            folder.push('h');
        }
        // Frequent Latin-1 letters without a round trip through NFKD.
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => {
            folder.push('a')
        }
        'ç' | 'Ç' => folder.push('c'),
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => folder.push('e'),
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => folder.push('i'),
        'ñ' | 'Ñ' => folder.push('n'),
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => folder.push('o'),
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => folder.push('u'),
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => folder.push('y'),
        c if c.is_whitespace() => folder.separate(),
        // Control and format characters vanish inside words.
        c if c.is_control() || is_format(c) => {}
        c if is_combining_mark(c) => {}
        c if c.is_alphanumeric() => {
            // NFKD first (ﬁ → fi, full-width letters, accents split off), then
            // lower-case each part; a lower-cased part may itself decompose
            // (İ → i + dot), hence the second, inner decomposition.
            decompose_compatible(c, |part| {
                for lower in part.to_lowercase() {
                    decompose_compatible(lower, |piece| {
                        if is_combining_mark(piece) || piece.is_control() || is_format(piece) {
                        } else if piece.is_alphanumeric() {
                            match piece {
                                'œ' => {
                                    folder.push('o');
                                    folder.push('e');
                                }
                                'æ' => {
                                    folder.push('a');
                                    folder.push('e');
                                }
                                'ß' => {
                                    folder.push('s');
                                    folder.push('s');
                                }
                                'ø' => folder.push('o'),
                                'ł' => folder.push('l'),
                                'đ' => folder.push('d'),
                                'ı' => folder.push('i'),
                                _ => folder.push(piece),
                            }
                        } else {
                            folder.separate();
                        }
                    });
                }
            });
        }
        _ => folder.separate(),
    }
}

/// Unicode format characters (category Cf) that exports carry: bidi marks and
/// embeddings, zero-width spaces and joiners, the word joiner, the BOM, the soft
/// hyphen.
fn is_format(c: char) -> bool {
    matches!(c,
        '\u{00ad}'
        | '\u{061c}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{e0001}'..='\u{e007f}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn french_cases() {
        assert_eq!(fold("DUPONT Marie"), "dupont marie");
        assert_eq!(fold("Jean-François"), "jean francois");
        assert_eq!(fold("D'Almeida"), "d almeida");
        assert_eq!(fold("L’Haÿ-les-Roses"), "l hay les roses");
        assert_eq!(fold("Cœur  de   Lion"), "coeur de lion");
        assert_eq!(fold("Lætitia"), "laetitia");
        assert_eq!(fold("Ἀθῆναι"), "αθηναι");
        assert_eq!(fold("ﬁnance"), "finance");
        assert_eq!(fold("ＡＢＣ"), "abc");
        assert_eq!(fold(""), "");
        assert_eq!(fold(" -- "), "");
    }

    #[test]
    fn invisible_characters_vanish_without_splitting_words() {
        assert_eq!(fold("Du\u{200b}pont"), "dupont");
        assert_eq!(fold("\u{feff}Marie"), "marie");
        assert_eq!(fold("\u{202e}Dupont\u{202c}"), "dupont");
        assert_eq!(fold("Du\u{0}pont\tMarie"), "dupont marie");
        assert_eq!(fold("Marie 😀 Dupont"), "marie dupont");
    }

    #[test]
    fn fold_into_separates_from_existing_text() {
        let mut buf = String::from("jean");
        fold_into("François", &mut buf);
        assert_eq!(buf, "jean francois");
        let mut empty = String::new();
        fold_into("  ", &mut empty);
        assert_eq!(empty, "");
    }

    /// The plain path: every character through `fold_char`.
    fn fold_chars(s: &str, out: &mut String) {
        let mut folder = Folder::new(out);
        for c in s.chars() {
            fold_char(c, &mut folder);
        }
    }

    #[test]
    fn scratch_buffers_are_lent_empty_and_nest() {
        let mut outer = ScratchBuffer::take();
        outer.push_str("dupont");
        {
            let mut inner = ScratchBuffer::take();
            assert!(inner.is_empty());
            inner.push_str("marie");
        }
        drop(outer);
        assert!(ScratchBuffer::take().is_empty());
        let mut huge = ScratchBuffer::take();
        huge.reserve(MAX_SPARE_CAPACITY + 1);
        drop(huge);
        assert!(ScratchBuffer::take().capacity() <= MAX_SPARE_CAPACITY);
    }

    proptest! {
        #[test]
        fn split_ascii_agrees_with_str_split(s in "[a .é-]{0,12}") {
            for separator in [' ', '.'] {
                let ours: Vec<&str> = split_ascii(&s, separator as u8).collect();
                let std: Vec<&str> = s.split(separator).collect();
                prop_assert_eq!(ours, std);
            }
        }

        #[test]
        fn mixed_text_agrees_with_char_path(
            s in "([A-Za-z0-9]{0,6}|[ ,.'\\x00\\t-]|[àéÉèçœŒßøİﬁＡ\u{200b}😀]|\\PC){0,12}",
            before in "[a ]{0,2}",
        ) {
            let mut fast = before.clone();
            fold_into(&s, &mut fast);
            let mut slow = before.clone();
            fold_chars(&s, &mut slow);
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn any_text_agrees_with_char_path(s in any::<String>()) {
            let mut slow = String::new();
            fold_chars(&s, &mut slow);
            prop_assert_eq!(fold(&s), slow);
        }

        #[test]
        fn fold_is_idempotent_and_well_formed(s in any::<String>()) {
            let once = fold(&s);
            prop_assert_eq!(&fold(&once), &once);
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
            prop_assert!(once.chars().all(|c| c == ' ' || c.is_alphanumeric()));
        }

        #[test]
        fn ascii_fast_path_agrees_with_char_path(s in "[\\x00-\\x7f]{0,40}", before in "[a ]{0,2}") {
            let mut fast = before.clone();
            fold_into(&s, &mut fast);
            let mut slow = before.clone();
            let mut folder = Folder::new(&mut slow);
            for c in s.chars() {
                fold_char(c, &mut folder);
            }
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn printable_ascii_fast_path_agrees_with_char_path(s in "[ -~]{0,40}") {
            let mut slow = String::new();
            let mut folder = Folder::new(&mut slow);
            for c in s.chars() {
                fold_char(c, &mut folder);
            }
            prop_assert_eq!(fold(&s), slow);
        }

        #[test]
        fn is_folded_recognises_fold_output(s in "\\PC{0,30}") {
            let f = fold(&s);
            if f.is_ascii() {
                prop_assert!(is_folded(&f));
            }
        }
    }
}
