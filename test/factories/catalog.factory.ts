import request from 'supertest';
import { App } from 'supertest/types';

export interface CategoryBody {
  id: number;
  name: string;
  parent_id: number | null;
  created_at: string;
  updated_at: string;
}

let sequence = 0;
export const uniqueName = (prefix = 'Category') => `${prefix} ${++sequence}`;

/** Creates a category through the API and answers its body; fails the test on anything but 201. */
export async function createCategory(
  http: App,
  name = uniqueName(),
  parentId: number | null = null,
): Promise<CategoryBody> {
  const response = await request(http)
    .post('/api/v1/categories')
    .send({ name, parent_id: parentId });
  if (response.status !== 201)
    throw new Error(`createCategory: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as CategoryBody;
}

/** A chain of `length` categories, each the child of the one before; answers them root first. */
export async function createChain(
  http: App,
  length: number,
  parentId: number | null = null,
): Promise<CategoryBody[]> {
  const chain: CategoryBody[] = [];
  for (let index = 0; index < length; index++) {
    chain.push(await createCategory(http, uniqueName('Level'), chain.at(-1)?.id ?? parentId));
  }
  return chain;
}

export interface ProductBody {
  id: number;
  title: string;
  description: string;
  image_url: string | null;
  sku: string;
  price: string;
  category_id: number | null;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

export const uniqueSku = (prefix = 'SKU') => `${prefix}-${++sequence}-${process.pid}`;

/** Creates a product through the API and answers its body; fails the test on anything but 201. */
export async function createProduct(
  http: App,
  fields: Record<string, unknown> = {},
): Promise<ProductBody> {
  const body = { title: uniqueName('Product'), sku: uniqueSku(), price: '10.00', ...fields };
  const response = await request(http).post('/api/v1/products').send(body);
  if (response.status !== 201)
    throw new Error(`createProduct: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as ProductBody;
}
