//! Matching degree: how well a sample's text fits its images (paper 004, section 4.2,
//! formula (2)). The scoring model runs in the CLI's CLIP stage (src/clip/); this family
//! holds its pure state and aggregation.

pub mod clip;
