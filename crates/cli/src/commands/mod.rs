//! One module per subcommand.

pub(crate) mod analysis;
pub(crate) mod logs;
pub(crate) mod output;
