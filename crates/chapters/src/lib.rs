//! Shared helpers for the chapter examples (one binary per chapter in `src/bin`).
//!
//! | book chapter | binary |
//! |---|---|
//! | Part II — Representing layers and connections | `representing_layers` |
//! | Part II — Bias and activation function | `bias_and_activation` |

/// Prints a chapter heading the way every example starts.
pub fn heading(part: &str, chapter: &str) {
    println!("=== {part} — {chapter} ===\n");
}
