import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { createTestApp, TestApp } from '../utils/test-app';

@Controller('boom')
class ExplodingController {
  @Get()
  explode(): never {
    throw new Error('relation "secret_table" does not exist at Parser.parseErrorMessage');
  }
}

const PROBLEM = /^application\/problem\+json/;

describe('Foundation (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({}, { controllers: [ExplodingController] });
  });
  afterAll(() => t.close());

  it('should answer readiness 200 when the database answers', async () => {
    const response = await request(t.http).get('/health').expect(200);
    expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('should answer liveness 200', async () => {
    await request(t.http).get('/health/live').expect(200, { status: 'ok' });
  });

  it('should answer malformed JSON with a 400 problem', async () => {
    const response = await request(t.http)
      .post('/api/v1/categories')
      .set('Content-Type', 'application/json')
      .send('{"name": "Books",')
      .expect(400)
      .expect('Content-Type', PROBLEM);
    expect(response.body).toEqual({
      type: 'https://catalog.example.com/problems/malformed-json',
      title: 'Malformed JSON',
      status: 400,
      detail: 'The request body is not valid JSON.',
      instance: '/api/v1/categories',
      code: 'malformed_json',
    });
  });

  it('should answer an unknown route with a 404 problem', async () => {
    for (const path of ['/api/v1/nothing-here', '/nothing-here']) {
      const response = await request(t.http).get(path).expect(404).expect('Content-Type', PROBLEM);
      expect(response.body).toMatchObject({ status: 404, code: 'route_not_found', instance: path });
      expect(response.headers['x-request-id']).toBeDefined();
    }
  });

  it('should answer a path that is not validly percent-encoded with a 422 problem naming the path', async () => {
    const requests = [
      request(t.http).get('/api/v1/products/%ZZ'),
      request(t.http).get('/api/v1/categories/%E0%A4%A'),
      request(t.http).get('/api/v1/categories/%C3/tree'),
      request(t.http).patch('/api/v1/products/%ZZ').send({ title: 'x' }),
      request(t.http).delete('/api/v1/categories/1%'),
    ];
    for (const pending of requests) {
      const response = await pending.expect(422).expect('Content-Type', PROBLEM);
      expect(response.body).toMatchObject({
        code: 'validation_failed',
        errors: [{ field: 'path', message: 'The path is not validly percent-encoded.' }],
      });
    }
    // Where no route would read the path, bad encoding is still a client error, never a 500.
    for (const path of ['/api/v1/nothing-here/%ZZ', '/%E0%A4%A', '/docs/%ZZ', '/health/%ZZ']) {
      const response = await request(t.http).get(path).expect('Content-Type', PROBLEM);
      expect([404, 422]).toContain(response.status);
    }
  });

  it('should answer an unexpected exception with a generic 500 carrying the request id and no detail', async () => {
    const response = await request(t.http)
      .get('/api/v1/boom')
      .set('X-Request-Id', 'trace-me-42')
      .expect(500)
      .expect('Content-Type', PROBLEM);
    expect(response.body).toEqual({
      type: 'https://catalog.example.com/problems/internal-error',
      title: 'Internal server error',
      status: 500,
      detail: 'An unexpected error occurred.',
      instance: '/api/v1/boom',
      code: 'internal_error',
      request_id: 'trace-me-42',
    });
    expect(JSON.stringify(response.body)).not.toMatch(/secret_table|Parser|at /);
  });

  it('should answer a write whose body is not JSON with a 415 problem, and take +json types as JSON', async () => {
    const refused = await request(t.http)
      .post('/api/v1/categories')
      .set('Content-Type', 'text/plain')
      .send('name=Books')
      .expect(415)
      .expect('Content-Type', PROBLEM);
    expect(refused.body.code).toBe('unsupported_media_type');
    const created = await request(t.http)
      .post('/api/v1/categories')
      .send({ name: 'Merge patched' })
      .expect(201);
    const patched = await request(t.http)
      .patch(`/api/v1/categories/${created.body.id}`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ name: 'Merge patched twice' }))
      .expect(200);
    expect(patched.body.name).toBe('Merge patched twice');
  });

  it('should answer a body over 1 MiB with a 413 problem', async () => {
    const response = await request(t.http)
      .post('/api/v1/categories')
      .send({ name: 'x'.repeat(1024 * 1024 + 1) })
      .expect(413)
      .expect('Content-Type', PROBLEM);
    expect(response.body.code).toBe('payload_too_large');
  });

  it('should answer validation failures with a 422 problem listing each field', async () => {
    const response = await request(t.http)
      .post('/api/v1/categories')
      .send({ name: '', id: 5 })
      .expect(422)
      .expect('Content-Type', PROBLEM);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'name', message: expect.any(String) },
        { field: 'id', message: expect.stringContaining('should not exist') },
      ]),
    );
  });

  it('should echo a client request id and generate one otherwise', async () => {
    const echoed = await request(t.http).get('/health/live').set('X-Request-Id', 'abc-123');
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const generated = await request(t.http).get('/health/live');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await request(t.http).get('/health/live').set('X-Request-Id', 'a b\tc');
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should serve the OpenAPI document and Swagger UI', async () => {
    const document = await request(t.http).get('/docs-json').expect(200);
    expect(document.body.openapi).toMatch(/^3\./);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/health/live',
        '/api/v1/categories',
        '/api/v1/categories/{id}',
      ]),
    );
    const ui = await request(t.http).get('/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });
});
