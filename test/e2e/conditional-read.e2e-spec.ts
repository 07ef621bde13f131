import { Controller, Get, Module } from '@nestjs/common';
import request from 'supertest';
import { CatalogVersionModule } from '../../src/catalog-version/catalog-version.module';
import { ConditionalRead, ReadVersion, Tagged } from '../../src/catalog-version/conditional-read';
import { createProduct } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';

/** Routes that only declare their conditional reads, as a new module's routes would. */
@Controller('probe')
class ProbeController {
  catalogReads = 0;

  @Get('row')
  @ConditionalRead('row')
  row(): Tagged<{ answer: string }> {
    return new Tagged('"42"', { answer: 'row' });
  }

  @Get('catalog')
  @ConditionalRead('catalog')
  catalog(@ReadVersion() version: string): { version: string } {
    this.catalogReads++;
    return { version };
  }
}

@Module({ imports: [CatalogVersionModule], controllers: [ProbeController] })
class ProbeModule {}

describe('Declared conditional reads (e2e)', () => {
  let t: TestApp;
  let probe: ProbeController;
  const api = () => request(t.http);

  beforeAll(async () => {
    t = await createTestApp({}, { modules: [ProbeModule] });
    probe = t.app.get(ProbeController);
  });
  afterAll(() => t.close());

  it('should tag a row read with the ETag its handler returns, and answer 304 while it matches', async () => {
    const first = await api().get('/api/v1/probe/row').expect(200);
    expect(first.headers.etag).toBe('"42"');
    expect(first.body).toEqual({ answer: 'row' });
    const again = await api().get('/api/v1/probe/row').set('If-None-Match', 'W/"42"').expect(304);
    expect(again.text).toBe('');
    await api().get('/api/v1/probe/row').set('If-None-Match', '"41"').expect(200);
  });

  it('should answer a catalog read 304 without running its handler until the catalog changes', async () => {
    const first = await api().get('/api/v1/probe/catalog').expect(200);
    const etag = first.headers.etag;
    expect(etag).toBe(`W/"c${first.body.version}"`);

    const reads = probe.catalogReads;
    await api().get('/api/v1/probe/catalog').set('If-None-Match', etag).expect(304);
    expect(probe.catalogReads).toBe(reads);
    // `*` is no reason to skip a catalog read: it would also match a list that does not exist.
    await api().get('/api/v1/probe/catalog').set('If-None-Match', '*');
    expect(probe.catalogReads).toBe(reads + 1);

    await createProduct(t.http);
    const changed = await api().get('/api/v1/probe/catalog').set('If-None-Match', etag).expect(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(BigInt(changed.body.version)).toBeGreaterThan(BigInt(first.body.version));
  });
});
