//! Helpers shared by the linearizability tests: a reference checker and small simulated worlds.

#![allow(dead_code)] // each test file uses its own part

pub mod generate;
pub mod reference;
pub mod worlds;
