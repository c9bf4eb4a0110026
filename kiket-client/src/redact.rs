//! Redaction of text that came from elsewhere (the platform's error messages) before it is
//! printed: anything that looks like a credential becomes `[redacted]`.
//!
//! ```
//! use kiket_client::redact::redact_credentials;
//!
//! let text = "token eyJhbGciOi.eyJzdWIiOi.c2ln rejected; key=wk_live_4f9a8b7c6d5e4f3a2b1c0d9e ok";
//! assert_eq!(redact_credentials(text), "token [redacted] rejected; key=[redacted] ok");
//! ```

/// Words that name a credential: `key=value` / `key: value` with such a key is redacted.
const CREDENTIAL_NAMES: &[&str] = &["token", "secret", "password", "passwd", "key", "authorization", "bearer"];

/// `text` with every credential-looking word replaced by `[redacted]`: JWTs (`eyJ…`), long
/// random-looking words (24+ characters of letters and digits), and values of `key=`,
/// `token:` and similar pairs. Separators and ordinary words are kept.
pub fn redact_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_names_credential = false;
    for piece in text.split_inclusive(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'')) {
        let (word, separator) = split_trailing_separator(piece);
        let (name, value) = match word.find(['=', ':']) {
            Some(at) => (&word[..=at], &word[at + 1..]),
            None => ("", word),
        };
        let named = names_credential(name);
        if !value.is_empty() && (named || previous_names_credential || looks_like_credential(value)) {
            out.push_str(name);
            out.push_str("[redacted]");
        } else {
            out.push_str(word);
        }
        out.push_str(separator);
        // `Bearer X`, `token: X`: the next word is the credential.
        previous_names_credential =
            (name.is_empty() && value.eq_ignore_ascii_case("bearer")) || (named && value.is_empty());
    }
    out
}

fn split_trailing_separator(piece: &str) -> (&str, &str) {
    match piece.char_indices().last() {
        Some((at, c)) if c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'') => (&piece[..at], &piece[at..]),
        _ => (piece, ""),
    }
}

fn names_credential(name: &str) -> bool {
    let name = name.trim_end_matches(['=', ':']).to_ascii_lowercase();
    !name.is_empty() && CREDENTIAL_NAMES.iter().any(|credential| name.contains(credential))
}

fn looks_like_credential(word: &str) -> bool {
    let word = word.trim_matches(|c: char| matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | '.'));
    if word.starts_with("eyJ") {
        return true;
    }
    let credential_chars =
        word.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+' | '/' | '='));
    let has_digit = word.chars().any(|c| c.is_ascii_digit());
    let has_letter = word.chars().any(|c| c.is_ascii_alphabetic());
    word.len() >= 24 && credential_chars && has_digit && has_letter
}

#[cfg(test)]
mod tests {
    use super::redact_credentials;

    #[test]
    fn credentials_go_ordinary_words_stay() {
        assert_eq!(redact_credentials("Bearer wk_123"), "Bearer [redacted]");
        assert_eq!(redact_credentials("invalid workspace token: wk_live_x"), "invalid workspace token: [redacted]");
        assert_eq!(redact_credentials("password=hunter2, user=ann"), "password=[redacted], user=ann");
        assert_eq!(redact_credentials("record 42 not found"), "record 42 not found");
        assert_eq!(redact_credentials("\"eyJhbGciOiJFUzI1NiJ9.e30.sig\" expired"), "\"[redacted]\" expired");
        assert_eq!(redact_credentials("rate limited (retry in 30s)"), "rate limited (retry in 30s)");
    }
}
