//! Text folding: the one place accents, ligatures, case and punctuation are
//! removed, so every other normalizer compares like with like.

/// Folds `s` for comparison: NFD, combining marks stripped, ligatures expanded
/// (œ→oe, æ→ae, ß→ss), lower-cased, apostrophes and punctuation turned into
/// spaces, whitespace collapsed to single spaces and trimmed; control and
/// format characters (RTL marks, zero-width) dropped.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// [`fold`], appending to `out` (reuses the caller's buffer on hot paths).
pub fn fold_into(s: &str, out: &mut String) {
    todo!("text helper: {s} {out}")
}
