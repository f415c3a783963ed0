// Reads one JSON request per line on stdin: {"latex": "...", "display": true}.
// Writes one JSON line per request: {"ok": true} or {"ok": false, "error": "..."}.
// MathJax 3 (TeX input, every package except noundefined and noerrors) only reports errors
// through formatError; this hook throws, so unknown macros and malformed input fail.
// Formulas are compiled (TeX to MathML), not typeset: errors are found while compiling.
const readline = require("readline");
const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { SVG } = require("mathjax-full/js/output/svg.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");
const { STATE } = require("mathjax-full/js/core/MathItem.js");

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const packages = AllPackages.filter((name) => name !== "noundefined" && name !== "noerrors");
const tex = new TeX({
  packages,
  formatError: (jax, error) => {
    throw error;
  },
});
const document = mathjax.document("", { InputJax: tex, OutputJax: new SVG({ fontCache: "none" }) });

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  let reply;
  try {
    const request = JSON.parse(line);
    // TeX errors arise while compiling; typesetting (SVG) adds nothing to the check.
    document.convert(request.latex, { display: request.display !== false, end: STATE.COMPILED });
    reply = { ok: true };
  } catch (error) {
    reply = { ok: false, error: String(error && error.message ? error.message : error) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
