//! The checkers' findings are [`Violation`]s of the shared vocabulary.

pub(crate) use crate::vocab::{Property, Violation};
