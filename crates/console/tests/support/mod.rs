pub(crate) mod postgres;
