//! Text from outside (a manifest, a Redis queue) on its way to an operator's terminal.

/// `text` with every control character escaped (`\u{1b}`, `\n`, `\t`, …) and everything else
/// as it is: no escape sequence reaches the terminal, and no newline or tab forges a line or a
/// column.
pub fn clean(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(super::clean("case.created \"ok\" é"), "case.created \"ok\" é");
        assert_eq!(super::clean("a\u{1b}[2J\nb\tc\r"), "a\\u{1b}[2J\\nb\\tc\\r");
    }
}
