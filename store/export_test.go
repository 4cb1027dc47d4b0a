package store

// DigestSectionSQL exposes each digest section's condition to the tests
// that check PostgreSQL answers it from the section's own index.
var DigestSectionSQL = digestSectionSQL
