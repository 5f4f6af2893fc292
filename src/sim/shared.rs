//! Copy-on-write sharing: a part of a run that a search's branches hold in common until
//! one of them changes it.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// A value shared between a run and its clones (a search branches a run at every step,
/// and most steps leave most parts of it as they were): cloning it copies a pointer, and
/// the value itself is copied only when a clone that shares it is changed (any `&mut`
/// access, through [`Arc::make_mut`]). So a part whose `&mut` methods are called only
/// when it really changes costs a search nothing on the steps that leave it alone.
#[derive(Debug, Default)]
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    /// `value`, not yet shared.
    pub fn new(value: T) -> Shared<T> {
        Shared(Arc::new(value))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Shared<T> {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}
