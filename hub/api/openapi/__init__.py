"""The OpenAPI document: response models, operation catalog, problem answers, the builder."""
