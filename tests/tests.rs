//! Integration tests: one binary (faster to link), one module per topic under tests/cli/.

mod cli {
    mod bad_input;
    mod hostile;
    mod limits;
    mod props;
}
