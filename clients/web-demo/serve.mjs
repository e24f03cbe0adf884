// Serves the reference page and the built client from their own origin (not the Api's), as Netlify would:
//   node clients/web-demo/serve.mjs [--port 5173] [--host 127.0.0.1]
// /client/* is clients/typescript/dist (run `npm run build` there first); everything else is this folder.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const port = Number(option("--port", "5173"));
const host = option("--host", "127.0.0.1");
const here = fileURLToPath(new URL(".", import.meta.url));
const roots = [
  ["/client/", join(here, "..", "typescript", "dist")],
  ["/", here],
];
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".map": "application/json" };

createServer(async (request, response) => {
  const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
  const [prefix, root] = roots.find(([p]) => path.startsWith(p));
  const relative = normalize(path.slice(prefix.length) || "index.html");
  if (relative.startsWith("..") || relative.endsWith(".mjs")) {
    response.writeHead(404).end();
    return;
  }
  try {
    const body = await readFile(join(root, relative));
    response.writeHead(200, { "Content-Type": types[extname(relative)] ?? "application/octet-stream", "Cache-Control": "no-store" });
    response.end(body);
  } catch {
    response.writeHead(404).end();
  }
}).listen(port, host, () => console.log(`web demo on http://${host}:${port}/`));
