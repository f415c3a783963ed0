// Reads one JSON request per line on stdin: {"latex": "...", "display": true}.
// Writes one JSON line per request: {"ok": true} or {"ok": false, "error": "..."}.
// KaTeX runs with throwOnError and strict "error", so unknown macros and sloppy input fail.
const readline = require("readline");
const katex = require("katex");

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  let reply;
  try {
    const request = JSON.parse(line);
    katex.renderToString(request.latex, {
      displayMode: request.display !== false,
      throwOnError: true,
      strict: "error",
      trust: false,
    });
    reply = { ok: true };
  } catch (error) {
    reply = { ok: false, error: String(error && error.message ? error.message : error) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
