//! Text encodings of source exports, decoded field by field.
//!
//! Every supported encoding is ASCII-compatible and never uses an ASCII byte
//! inside a multi-byte character, so a CSV file can be split into fields on
//! its raw bytes (the delimiter, quote and newline are ASCII) and each field
//! decoded on its own. That keeps decoding streaming and per row, and lets a
//! bad byte reject one row instead of the whole file. Encodings without that
//! property (UTF-16, Shift_JIS, …) are refused when the job is read.

use std::borrow::Cow;
use std::fmt;
use std::io::{Chain, Cursor, Read};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};

/// The text encoding of one source file.
///
/// Parsed from the usual labels, case-insensitively: `utf-8`, `utf-8-bom`,
/// `windows-1252` (`cp1252`), `latin-1` (`iso-8859-1`), `iso-8859-15`
/// (`latin-9`).
///
/// ```
/// use omnicanal::io::TextEncoding;
/// assert_eq!("CP1252".parse::<TextEncoding>()?, TextEncoding::Windows1252);
/// assert_eq!(TextEncoding::Windows1252.decode(b"Am\xe9lie").as_deref(), Some("Amélie"));
/// assert!("utf-16".parse::<TextEncoding>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TextEncoding {
    /// UTF-8; a byte order mark at the start of the file is skipped.
    #[default]
    Utf8,
    /// UTF-8 written with a byte order mark (Excel's "CSV UTF-8"). Read exactly
    /// as [`TextEncoding::Utf8`]; kept apart so a job file says what it expects.
    Utf8Bom,
    /// Windows-1252, the default "ANSI" code page of French Windows.
    Windows1252,
    /// ISO-8859-1. Decoded as Windows-1252, as the WHATWG Encoding Standard
    /// does: the two agree on every printable character, and files labelled
    /// Latin-1 are in practice Windows-1252 (`€`, `œ`, typographic quotes).
    Latin1,
    /// ISO-8859-15 (Latin-9): Latin-1 with `€`, `œ`, `Œ`, `Ÿ`.
    Iso8859_15,
}

/// The labels accepted, for error messages.
const SUPPORTED: &str = "utf-8, utf-8-bom, windows-1252, latin-1, iso-8859-1, iso-8859-15";

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

impl TextEncoding {
    /// The canonical label.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8-bom",
            TextEncoding::Windows1252 => "windows-1252",
            TextEncoding::Latin1 => "latin-1",
            TextEncoding::Iso8859_15 => "iso-8859-15",
        }
    }

    /// Decodes one field or line. `None` when the bytes are not valid in
    /// this encoding (only UTF-8 can fail: every byte of the single-byte
    /// encodings maps to a character).
    pub fn decode(self, bytes: &[u8]) -> Option<Cow<'_, str>> {
        let encoding = match self {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => {
                return std::str::from_utf8(bytes).ok().map(Cow::Borrowed);
            }
            TextEncoding::Windows1252 | TextEncoding::Latin1 => encoding_rs::WINDOWS_1252,
            TextEncoding::Iso8859_15 => encoding_rs::ISO_8859_15,
        };
        encoding.decode_without_bom_handling_and_without_replacement(bytes)
    }

    /// Whether a UTF-8 byte order mark at the start of the file is skipped.
    fn skips_utf8_bom(self) -> bool {
        matches!(self, TextEncoding::Utf8 | TextEncoding::Utf8Bom)
    }
}

/// A reader positioned after the UTF-8 byte order mark, when `encoding` is
/// a UTF-8 one and the input starts with the mark; otherwise every byte is
/// kept. Line numbers are unaffected because the mark is not a line.
pub(crate) fn skip_bom<R: Read>(
    mut reader: R,
    encoding: TextEncoding,
) -> std::io::Result<Chain<Cursor<Vec<u8>>, R>> {
    let mut head = Vec::with_capacity(UTF8_BOM.len());
    if encoding.skips_utf8_bom() {
        // `Read::read` may return fewer bytes than asked; loop until the
        // three bytes are in or the input ends.
        let mut byte = [0u8; 1];
        while head.len() < UTF8_BOM.len() {
            match reader.read(&mut byte) {
                Ok(0) => break,
                Ok(_) => head.push(byte[0]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            if head[..] != UTF8_BOM[..head.len()] {
                break;
            }
        }
        if head == UTF8_BOM {
            head.clear();
        }
    }
    Ok(Cursor::new(head).chain(reader))
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for TextEncoding {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let label = s.trim().to_ascii_lowercase().replace('_', "-");
        Ok(match label.as_str() {
            "utf-8" | "utf8" => TextEncoding::Utf8,
            "utf-8-bom" | "utf8-bom" | "utf-8-sig" => TextEncoding::Utf8Bom,
            "windows-1252" | "cp1252" | "win-1252" | "ansi" => TextEncoding::Windows1252,
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => TextEncoding::Latin1,
            "iso-8859-15" | "iso8859-15" | "latin-9" | "latin9" => TextEncoding::Iso8859_15,
            _ => {
                return Err(Error::new(ErrorKind::Config {
                    reason: format!(
                        "unsupported encoding {:?} (supported: {SUPPORTED})",
                        s.chars().take(40).collect::<String>()
                    ),
                }));
            }
        })
    }
}

impl TryFrom<String> for TextEncoding {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl From<TextEncoding> for String {
    fn from(e: TextEncoding) -> String {
        e.label().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_and_latin_9_decode_french_letters() {
        let bytes = b"\x9Cuvre \x80 L\xE9a";
        assert_eq!(
            TextEncoding::Windows1252.decode(bytes).as_deref(),
            Some("œuvre € Léa")
        );
        // In ISO-8859-15, œ is 0xBD and € is 0xA4.
        assert_eq!(
            TextEncoding::Iso8859_15.decode(b"\xBDuvre \xA4").as_deref(),
            Some("œuvre €")
        );
    }

    #[test]
    fn invalid_utf8_is_refused_not_replaced() {
        assert_eq!(TextEncoding::Utf8.decode(b"L\xE9a"), None);
        assert_eq!(
            TextEncoding::Utf8.decode("Léa".as_bytes()).as_deref(),
            Some("Léa")
        );
    }

    #[test]
    fn bom_is_skipped_once_and_only_for_utf8() {
        let read_all = |bytes: &[u8], encoding| {
            let mut out = Vec::new();
            skip_bom(bytes, encoding)
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            out
        };
        assert_eq!(read_all(b"\xEF\xBB\xBFnom\n", TextEncoding::Utf8), b"nom\n");
        assert_eq!(read_all(b"nom\n", TextEncoding::Utf8Bom), b"nom\n");
        assert_eq!(read_all(b"\xEF\xBBx", TextEncoding::Utf8), b"\xEF\xBBx");
        assert_eq!(read_all(b"\xEF", TextEncoding::Utf8), b"\xEF");
        assert_eq!(read_all(b"", TextEncoding::Utf8), b"");
        assert_eq!(
            read_all(b"\xEF\xBB\xBFnom", TextEncoding::Windows1252),
            b"\xEF\xBB\xBFnom"
        );
    }

    #[test]
    fn labels_round_trip() {
        for e in [
            TextEncoding::Utf8,
            TextEncoding::Utf8Bom,
            TextEncoding::Windows1252,
            TextEncoding::Latin1,
            TextEncoding::Iso8859_15,
        ] {
            assert_eq!(e.label().parse::<TextEncoding>().unwrap(), e);
        }
        let err = "utf-16le".parse::<TextEncoding>().unwrap_err();
        assert!(err.to_string().contains("unsupported encoding"), "{err}");
    }
}
