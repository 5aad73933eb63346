//! Terminal styling for human-readable output: SGR colour when asked for, plain text
//! otherwise.
//!
//! This module owns the one way clawscan paints text. It does not decide when colour
//! is on (the command line does: a terminal, `--color`, `NO_COLOR`), and it does not
//! escape log-derived text (the renderers do, before painting).

/// Paints text with SGR codes when `on`, or returns it unchanged.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Whether to emit colour.
    pub on: bool,
}

impl Style {
    /// `s` wrapped in the SGR `code` (e.g. `"1;31"`) and a reset, when colour is on.
    pub fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// Bold.
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }

    /// Dim, for labels and secondary text.
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_when_off() {
        assert_eq!(Style { on: false }.bold("x"), "x");
        assert_eq!(Style { on: true }.paint("31", "x"), "\x1b[31mx\x1b[0m");
    }
}
