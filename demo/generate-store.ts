/**
 * Writes demo/store.json, the demo store around the catalog: customers, reviews of demo products
 * and some orders, by SKU and e-mail. Deterministic (a seeded generator), so running it again
 * writes the same file. Run once; the JSON is committed.
 *
 *   npx ts-node --transpile-only demo/generate-store.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

let seed = 7;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const below = (count: number) => Math.floor(random() * count);
const sku = (index: number) => `DEMO-${String(index).padStart(5, '0')}`;

const NAMES = ['Ann Lee', 'Борис Петров', 'Ελένη Παππά', '佐藤 花子', 'سارة علي', 'Jonas Berg'];
const REVIEWS = [
  ['Works as promised', 'Does what it says, nothing more.'],
  ['Very good', 'Light, solid, and it arrived in two days.'],
  ['Не съм доволен', 'Очаквах повече за тази цена.'],
  ['Εξαιρετικό', 'Το χρησιμοποιώ κάθε μέρα.'],
  ['とても良い', '毎日使っています。'],
];

const customers = Array.from({ length: 24 }, (_, index) => ({
  email: `customer${index + 1}@demo.example.com`,
  name: `${NAMES[index % NAMES.length]} ${index + 1}`,
}));
const reviews = Array.from({ length: 120 }, (_, index) => {
  const [title, body] = REVIEWS[index % REVIEWS.length];
  return {
    sku: sku(1 + ((index * 37) % 400)),
    email: customers[index % customers.length].email,
    rating: 1 + below(5),
    title,
    body,
  };
});
const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'];
const orders = Array.from({ length: 30 }, (_, index) => ({
  email: customers[below(customers.length)].email,
  lines: Array.from({ length: 1 + below(3) }, () => ({
    sku: sku(1 + below(400)),
    quantity: 1 + below(3),
  })),
  status: STATUSES[index % STATUSES.length],
}));

writeFileSync(
  join(__dirname, 'store.json'),
  `${JSON.stringify({ customers, reviews, orders }, null, 2)}\n`,
);
