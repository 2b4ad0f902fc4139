// Opens fastwasm's /docs (Swagger UI) in headless Chromium as a user would: reads the listed
// operations, then runs one of them with "Try it out" and "Execute". It prints what the page
// showed as one JSON object on stdout, for tests/all/docs_browser.rs to judge; it asserts
// nothing itself, so a failure is reported by the Rust test with everything collected so far.
//
//   node docs.mjs --url http://127.0.0.1:PORT/docs --chromium /usr/bin/chromium \
//       --screenshot target/test-output/docs.png --path /items/{item_id} \
//       --param item_id --value plumbus

import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: options } = parseArgs({
  options: {
    url: { type: "string" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    screenshot: { type: "string" },
    method: { type: "string", default: "get" },
    path: { type: "string" },
    param: { type: "string" },
    value: { type: "string" },
    // Each wait of the page is bounded by this, the whole run by four times it.
    "timeout-ms": { type: "string", default: "30000" },
  },
});
for (const required of ["url", "screenshot", "path", "param", "value"]) {
  if (!options[required]) {
    console.error(`docs.mjs: --${required} is required`);
    process.exit(2);
  }
}
const stepTimeout = Number(options["timeout-ms"]);

const result = {
  title: null,
  operations: [],
  execution: null,
  screenshot: null,
  // Every URL the page loaded from another origin than the docs' own: the assets are bundled in
  // fastwasm, so a CDN request here means the page would break offline.
  foreignRequests: [],
  failedRequests: [],
  consoleErrors: [],
  error: null,
};

// A run that hangs anyway (a browser that never answers) still ends, with what it has.
const watchdog = setTimeout(() => {
  result.error = `the driver did not finish within ${stepTimeout * 4} ms`;
  finish(3);
}, stepTimeout * 4);

let browser;
let page;
let finished = false;
async function finish(code) {
  if (finished) return;
  finished = true;
  clearTimeout(watchdog);
  try {
    await browser?.close();
  } catch (err) {
    result.error ??= `closing the browser failed: ${err.message}`;
  }
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(code);
}

try {
  browser = await chromium.launch({
    executablePath: options.chromium,
    headless: true,
    timeout: stepTimeout,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(stepTimeout);

  const docsOrigin = new URL(options.url).origin;
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith("data:") && new URL(url).origin !== docsOrigin) {
      result.foreignRequests.push(url);
    }
  });
  page.on("requestfailed", (request) => {
    result.failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on("console", (message) => {
    if (message.type() === "error") result.consoleErrors.push(message.text());
  });
  page.on("pageerror", (err) => result.consoleErrors.push(err.message));

  await page.goto(options.url, { waitUntil: "load" });
  // Swagger UI renders after fetching the OpenAPI document: wait for the first operation.
  await page.locator(".opblock").first().waitFor();
  result.title = await page.title();

  // Each operation as the page shows it: its method badge and its path.
  result.operations = await page.locator(".opblock").evaluateAll((blocks) =>
    blocks.map((block) => ({
      method: block.querySelector(".opblock-summary-method")?.textContent.trim(),
      path:
        block.querySelector(".opblock-summary-path")?.getAttribute("data-path") ??
        block.querySelector(".opblock-summary-path")?.textContent.trim(),
    })),
  );

  // The operation to run, found by what a user reads: its method and path.
  const operation = page
    .locator(`.opblock.opblock-${options.method.toLowerCase()}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${options.path}"]`) });
  await operation.locator(".opblock-summary").first().click();
  await operation.getByRole("button", { name: "Try it out" }).click();
  await operation
    .locator(`tr[data-param-name="${options.param}"]`)
    .getByRole("textbox")
    .fill(options.value);
  await operation.getByRole("button", { name: "Execute" }).click();

  // The live response: the table Swagger UI fills once the request came back.
  const response = operation.locator(".live-responses-table tbody tr.response");
  await response.waitFor();
  result.execution = {
    requestUrl: (await operation.locator(".request-url pre").textContent())?.trim(),
    status: (await response.locator(".response-col_status").textContent())?.trim(),
    body: (await response.locator(".response-col_description pre").first().textContent())?.trim(),
  };

  await page.screenshot({ path: options.screenshot, fullPage: true });
  result.screenshot = options.screenshot;
  await finish(0);
} catch (err) {
  result.error = err.stack ?? String(err);
  // What the page showed when it failed is the quickest way to see why.
  try {
    await page?.screenshot({ path: options.screenshot, fullPage: true, timeout: 10000 });
    if (page) result.screenshot = options.screenshot;
  } catch {}
  await finish(1);
}
