//! The auth service over real HTTP on port 0, with a fresh store per test;
//! and the real binary, for what only a process shows (start-up errors,
//! log lines, SIGTERM).

mod current_user;
mod email_props;
mod helpers;
mod limits;
mod load;
mod ops;
mod process;
mod signin;
mod signout;
mod signup;
