#!/usr/bin/env node
// Swagger UI as a user meets it behind an API gateway: a real browser (Debian's chromium, driven by
// playwright-core) opens /priceline/docs on a proxy that publishes the server under /priceline, the
// way Traefik's StripPrefix or an nginx `location /priceline/` does (it strips the prefix and sends
// X-Forwarded-Prefix, -Host and -Proto). The user:
//
//   1. sees the page titled "Hospital Priceline API" list the operations (no "Failed to load API
//      definition": the spec is loaded from under the prefix);
//   2. pastes the API key into "Authorize", then reloads the page (it must still be authorized);
//   3. opens listFacilities, presses "Try it out" and "Execute" without typing anything: the call
//      goes through the proxy (the spec's servers carry the prefix), the optional filters are empty
//      (a pre-filled example filter would match nothing), and the answer is 200 with facilities.
//
//   node check.mjs <server base URL> <API key>
//
// Exits 0 when all of that holds, 1 with the reason otherwise.
import http from "node:http";
import { chromium } from "playwright-core";

const [upstream, apiKey] = process.argv.slice(2);
if (!upstream || !apiKey) {
  console.error("usage: node check.mjs <server base URL> <API key>");
  process.exit(2);
}
const PREFIX = "/priceline";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TIMEOUT = 30_000;

/// The proxy: /priceline/... goes to the server without the prefix; anything else is a 404.
function startProxy() {
  const target = new URL(upstream);
  const seen = [];
  const server = http.createServer((request, response) => {
    if (request.url !== PREFIX && !request.url.startsWith(`${PREFIX}/`)) {
      response.writeHead(404).end("not under the prefix");
      return;
    }
    const path = request.url.slice(PREFIX.length) || "/";
    seen.push(path);
    const forwarded = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path,
        headers: {
          ...request.headers,
          host: target.host,
          "x-forwarded-prefix": PREFIX,
          "x-forwarded-host": request.headers.host,
          "x-forwarded-proto": "http",
        },
      },
      (answer) => {
        response.writeHead(answer.statusCode, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on("error", (error) => response.writeHead(502).end(String(error)));
    request.pipe(forwarded);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, seen, port: server.address().port })),
  );
}

function fail(reason) {
  throw new Error(reason);
}

async function main() {
  const proxy = await startProxy();
  const published = `http://127.0.0.1:${proxy.port}${PREFIX}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ["--no-sandbox"],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(TIMEOUT);
    // The page works under its Content-Security-Policy: the browser reports any script, style,
    // image or call the policy blocked on the console.
    const blocked = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });

    // 1. The page, its title and the operations.
    await page.goto(`${published}/docs`);
    if (new URL(page.url()).pathname !== `${PREFIX}/docs/`) {
      fail(`/docs redirected to ${page.url()}, not under the prefix`);
    }
    await page.locator(".opblock").first().waitFor();
    const operations = await page.locator(".opblock").count();
    if (operations < 10) fail(`only ${operations} operations listed`);
    const title = await page.title();
    if (title !== "Hospital Priceline API") fail(`page title ${JSON.stringify(title)}`);
    if (await page.getByText("Failed to load API definition").count()) {
      fail("Swagger UI says: Failed to load API definition");
    }

    // 2. Authorize with the API key, then reload.
    await page.locator("button.authorize").first().click();
    const keyForm = page.locator(".auth-container").filter({ hasText: "X-API-Key" });
    await keyForm.locator("input").fill(apiKey);
    await keyForm.locator("button.authorize").click();
    await keyForm.locator("button", { hasText: "Logout" }).waitFor();
    // One Close button per scheme; any closes the dialog.
    await page.locator("button.btn-done").first().click();
    await page.reload();
    await page.locator(".opblock").first().waitFor();

    // 3. Try it out on listFacilities, nothing typed.
    const operation = page.locator("#operations-facilities-listFacilities");
    await operation.locator(".opblock-summary").first().click();
    await operation.locator("button.try-out__btn").click();
    const filter = operation.locator('tr[data-param-name="facility_name"] input');
    const prefilled = await filter.inputValue();
    if (prefilled !== "") fail(`"Try it out" pre-filled facility_name with ${JSON.stringify(prefilled)}`);
    const [answer] = await Promise.all([
      page.waitForResponse((response) => new URL(response.url()).pathname.endsWith("/v1/facilities")),
      operation.locator("button.execute").click(),
    ]);
    if (new URL(answer.url()).pathname !== `${PREFIX}/v1/facilities`) {
      fail(`Execute called ${answer.url()}, outside the prefix (the spec's servers lack it)`);
    }
    const body = await answer.json().catch(() => null);
    if (answer.status() !== 200) {
      fail(`Execute got ${answer.status()} (the key did not survive the reload?): ${JSON.stringify(body)}`);
    }
    const items = body?.items?.length ?? 0;
    if (items === 0) fail(`Execute found no facility: were filters pre-filled? ${answer.url()}`);
    const policy = (await page.goto(`${published}/docs/`)).headers()["content-security-policy"];
    if (!policy || !policy.includes("script-src 'self'")) fail(`the page's policy is ${policy}`);
    if (blocked.length) fail(`the Content-Security-Policy blocked: ${blocked.join(" | ")}`);
    console.log(
      `Swagger UI behind ${PREFIX}: ${operations} operations, titled, the key kept across a reload, ` +
        `Execute → ${answer.status()} with ${items} facilities (${answer.url()}), nothing blocked by ` +
        `its Content-Security-Policy`,
    );
  } finally {
    await browser.close();
    proxy.server.close();
  }
}

main().catch((error) => {
  console.error(`Swagger UI check failed: ${error.message}`);
  process.exit(1);
});
