//! Integration tests: one binary (faster to link), one module per topic under tests/cli/.

mod cli {
    mod bad_input;
    mod browser;
    mod calibration;
    mod closed_forms;
    mod company;
    mod company_studies;
    mod context;
    mod faults;
    mod ground;
    mod hostile;
    mod integrity;
    mod kinds;
    mod layers;
    mod levers;
    mod limits;
    mod outputs;
    mod props;
    mod run;
    mod serve;
    mod serve_company;
    mod serve_support;
    mod shard;
    mod signals;
    mod study;
    mod summary_schema;
    mod support;
}
