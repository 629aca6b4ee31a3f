import { z } from "zod";

// zod compiles object parsers with `new Function` when it can, and probes for that by trying it
// when the first object schema is built. The app's Content-Security-Policy forbids eval for
// scripts, so the probe would be reported as a violation on every page: use the interpreted
// parsers from the start (same results). Imported before anything that builds a schema.
z.config({ jitless: true });
