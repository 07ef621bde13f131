import request from 'supertest';
import { App } from 'supertest/types';

export interface InventoryBody {
  product_id: number;
  quantity: number;
  updated_at: string | null;
}

/** Sets a product's stock through the API; fails the test on anything but 200. */
export async function setStock(
  http: App,
  productId: number,
  quantity: number,
): Promise<InventoryBody> {
  const response = await request(http)
    .put(`/api/v1/products/${productId}/inventory`)
    .send({ quantity });
  if (response.status !== 200)
    throw new Error(`setStock: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as InventoryBody;
}
