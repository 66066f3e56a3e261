//! Pieces several pages share.

pub mod form;
pub mod header;
pub mod live;
pub mod status;
