//! One module per page of the contract's section 9 table.

pub mod auth;
pub mod landing;
pub mod not_found;
pub mod order_index;
pub mod order_show;
pub mod ticket_edit;
pub mod ticket_mine;
pub mod ticket_new;
pub mod ticket_show;
