// The OpenAPI document (validated by swagger-parser) and the offline Swagger UI page in headless
// Chromium: the operations render, "Try it out" with the sample answers 200, no request leaves
// the server and the console stays clean.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import { serveModel } from '../../src/ops/serve.js';
import { buildApp } from '../../src/model/app.js';
import { chromiumSkip, launchChromium } from '../helpers/chromium.js';
import { sumModel, textModel } from './models.js';

describe('OpenAPI and /docs', () => {
  test('the OpenAPI document validates (with and without auth)', async () => {
    for (const [model, opts] of [
      [sumModel(), {}],
      [textModel(), { token: 't' }],
    ] as const) {
      const { app } = buildApp(model, opts);
      const doc = (await app.inject({ url: '/openapi.json', headers: { authorization: 'Bearer t' } })).json();
      const api = await SwaggerParser.validate(structuredClone(doc));
      assert.equal(api.info.title, `${model.meta.name} (keel)`);
      const ops = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap((p) => Object.values(p).map((o) => o.operationId));
      for (const id of ['predict', 'predict_proba', 'invocations', 'interface', 'metadata', 'ping', 'metrics']) assert.ok(ops.includes(id), id);
      if ('token' in opts) assert.deepEqual(doc.security, [{ bearer: [] }]);
      await app.close();
    }
  });

  test('Swagger UI renders offline in Chromium and runs the sample', { skip: chromiumSkip() }, async () => {
    const s = await serveModel(textModel(), { host: '127.0.0.1', port: 0 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const outside: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => !r.url().startsWith(s.url) && !r.url().startsWith('data:') && outside.push(r.url()));
      await page.goto(`${s.url}/`, { waitUntil: 'networkidle' });
      assert.equal(new URL(page.url()).pathname, '/docs');
      await page.waitForSelector('.opblock', { timeout: 10_000 });
      const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.getAttribute('data-path')));
      for (const p of ['/predict', '/predict_proba', '/invocations', '/interface.json', '/metadata']) assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
      // Try it out: POST /predict with the sample from the signature
      const op = page.locator('#operations-model-predict');
      await op.locator('.opblock-summary').click();
      await op.locator('button.try-out__btn').click();
      await op.locator('button.execute').click();
      const code = op.locator('.live-responses-table .response .response-col_status').first();
      await code.waitFor({ timeout: 10_000 });
      assert.equal((await code.textContent())?.trim(), '200');
      assert.match((await op.locator('.live-responses-table .response-col_description pre').first().textContent()) ?? '', /\[\s*0\s*\]/);
      assert.deepEqual(outside, []);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await s.close();
    }
  });
});
