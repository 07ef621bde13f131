/**
 * A realistic catalog, generated from a seeded PRNG (the same every run) and written through the
 * service's own HTTP write path: categories level by level, then products, with bounded
 * concurrency over keep-alive connections.
 */
import { Client } from 'pg';
import { forEachLimited, HttpClient, log, Random, Weighted, zipf } from './common';

const BRANDS = [
  'Acme',
  'Nordik',
  'Zento',
  'Lumina',
  'Orbis',
  'Veltro',
  'Kyoto',
  'Solace',
  'Brio',
  'Tandem',
  'Helix',
  'Quanta',
  'Fable',
  'Arcadia',
  'Nimbus',
  'Pixelon',
  'Vantage',
  'Cobalt',
  'Ember',
  'Granite',
  'Juniper',
  'Kestrel',
  'Lotus',
  'Meridian',
  'Novara',
  'Onyx',
  'Polaris',
  'Quill',
  'Raven',
  'Sable',
];
/** Each of these appears in about 0.02% of titles: a search for one matches a handful. */
const RARE_BRANDS = ['Quetzalia', 'Xylophant', 'Zyzzyva', 'Wombatix', 'Fjordling'];
const ADJECTIVES = [
  'Compact',
  'Portable',
  'Wireless',
  'Smart',
  'Classic',
  'Premium',
  'Ultra',
  'Mini',
  'Pro',
  'Deluxe',
  'Ergonomic',
  'Vintage',
  'Modern',
  'Rugged',
  'Silent',
  'Slim',
  'Digital',
  'Organic',
  'Foldable',
  'Heavy-Duty',
];
const COLOURS = [
  'Black',
  'White',
  'Silver',
  'Red',
  'Blue',
  'Green',
  'Grey',
  'Gold',
  'Navy',
  'Beige',
  'Orange',
  'Purple',
  'Pink',
  'Teal',
  'Bronze',
];
const NOUNS = [
  'Laptop',
  'Phone',
  'Headphones',
  'Speaker',
  'Camera',
  'Watch',
  'Keyboard',
  'Mouse',
  'Monitor',
  'Tablet',
  'Lamp',
  'Kettle',
  'Blender',
  'Backpack',
  'Jacket',
  'Sneakers',
  'Chair',
  'Desk',
  'Mug',
  'Bottle',
  'Charger',
  'Router',
  'Drone',
  'Printer',
  'Toaster',
  'Vacuum',
  'Fan',
  'Heater',
  'Tent',
  'Bicycle',
];
const CYRILLIC_ADJECTIVES = [
  'Компактный',
  'Портативный',
  'Беспроводной',
  'Умный',
  'Классический',
  'Премиальный',
  'Лёгкий',
  'Тихий',
];
const CYRILLIC_COLOURS = ['Чёрный', 'Белый', 'Серебристый', 'Красный', 'Синий', 'Зелёный'];
const CYRILLIC_NOUNS = [
  'Ноутбук',
  'Телефон',
  'Наушники',
  'Колонка',
  'Камера',
  'Часы',
  'Клавиатура',
  'Чайник',
  'Рюкзак',
  'Лампа',
];
const CJK_COLOURS = ['黑色', '白色', '银色', '红色', '蓝色', '绿色'];
/** Two-character words: trigram indexes cannot serve a search for one. */
const CJK_NOUNS = ['手机', '电脑', '耳机', '相机', '手表', '键盘', '音箱', '台灯', '水壶', '背包'];
const CATEGORY_WORDS = [
  'Electronics',
  'Home',
  'Garden',
  'Sports',
  'Toys',
  'Books',
  'Fashion',
  'Kitchen',
  'Office',
  'Outdoor',
  'Audio',
  'Computers',
  'Lighting',
  'Storage',
  'Travel',
  'Fitness',
  'Бытовая техника',
  '家用电器',
];
const PHRASES = [
  'Built to last, with a two-year warranty.',
  'Ships in recyclable packaging.',
  'A favourite of our customers.',
  'Designed for everyday use.',
  'Includes a quick-start guide.',
  'Limited edition.',
  '',
];

/** Bushy levels below the roots: how the non-chain categories spread over depths 1..6. */
const DEPTH_WEIGHTS = [100, 400, 1000, 1500, 1200, 690];
export const CHAIN_LENGTH = 100;

export interface CategoryPlan {
  key: number;
  name: string;
  parentKey: number | null;
  depth: number;
  inChain: boolean;
}

export interface ProductPlan {
  title: string;
  description: string;
  sku: string;
  price: string;
  categoryKey: number | null;
  imageUrl?: string;
}

export interface CatalogPlan {
  categories: CategoryPlan[];
  products: ProductPlan[];
  /** Occurrences of each vocabulary word in titles (as a whole word). */
  wordCounts: Map<string, number>;
  /** Products per category subtree root key. */
  subtreeProducts: Map<number, number>;
}

export function planCatalog(
  productCount: number,
  categoryCount: number,
  seed: number,
): CatalogPlan {
  const random = new Random(seed);
  const categories: CategoryPlan[] = [];
  const add = (parentKey: number | null, depth: number, inChain: boolean) => {
    const key = categories.length;
    const word = random.pick(CATEGORY_WORDS);
    categories.push({ key, name: `${word} ${key + 1}`, parentKey, depth, inChain });
    return key;
  };

  const rootCount = Math.min(10, categoryCount);
  const chainLength = Math.min(CHAIN_LENGTH, Math.max(0, categoryCount - rootCount - 10));
  const bushy = Math.max(0, categoryCount - rootCount - chainLength);
  const byDepth: number[][] = [[]];
  for (let i = 0; i < rootCount; i++) byDepth[0].push(add(null, 0, false));
  const weightSum = DEPTH_WEIGHTS.reduce((a, b) => a + b, 0);
  const perDepth = DEPTH_WEIGHTS.map((weight) => Math.floor((bushy * weight) / weightSum));
  perDepth[2] += bushy - perDepth.reduce((a, b) => a + b, 0);
  for (let depth = 1; depth <= DEPTH_WEIGHTS.length; depth++) {
    byDepth[depth] = [];
    for (let i = 0; i < perDepth[depth - 1]; i++) {
      // The parent level, or the deepest non-empty one above it when a small catalog left it empty.
      let parentDepth = depth - 1;
      while (byDepth[parentDepth].length === 0) parentDepth--;
      // Squaring the uniform draw favours early parents: some nodes are much bushier than others.
      const parents = byDepth[parentDepth];
      const parent = parents[Math.floor(random.next() ** 2 * parents.length)];
      byDepth[depth].push(add(parent, parentDepth + 1, false));
    }
  }
  let parent = byDepth[0][0];
  for (let i = 0; i < chainLength; i++) {
    parent = add(parent, i + 1, true);
  }

  const brands = new Weighted(BRANDS, zipf(BRANDS.length, 0.9));
  const adjectives = new Weighted(ADJECTIVES, zipf(ADJECTIVES.length, 0.8));
  const colours = new Weighted(COLOURS, zipf(COLOURS.length, 0.8));
  const nouns = new Weighted(NOUNS, zipf(NOUNS.length, 0.7));
  const cyrillicAdjectives = new Weighted(CYRILLIC_ADJECTIVES, zipf(CYRILLIC_ADJECTIVES.length));
  const cyrillicColours = new Weighted(CYRILLIC_COLOURS, zipf(CYRILLIC_COLOURS.length));
  const cyrillicNouns = new Weighted(CYRILLIC_NOUNS, zipf(CYRILLIC_NOUNS.length, 0.7));
  const cjkColours = new Weighted(CJK_COLOURS, zipf(CJK_COLOURS.length));
  const cjkNouns = new Weighted(CJK_NOUNS, zipf(CJK_NOUNS.length, 0.8));
  const plain = categories.filter((category) => !category.inChain).map((c) => c.key);
  const chainDeep = categories.filter((c) => c.inChain && c.depth >= 50).map((c) => c.key);
  const wordCounts = new Map<string, number>();
  const count = (...words: string[]) => {
    for (const word of words) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
  };

  const products: ProductPlan[] = [];
  for (let i = 0; i < productCount; i++) {
    const brand = random.next() < 0.001 ? random.pick(RARE_BRANDS) : brands.pick(random);
    const model = `${String.fromCharCode(65 + random.int(26), 65 + random.int(26))}${10 + random.int(90)}`;
    const script = random.next();
    let title: string;
    let adjective: string;
    let noun: string;
    if (script < 0.1) {
      adjective = cyrillicAdjectives.pick(random);
      const colour = cyrillicColours.pick(random);
      noun = cyrillicNouns.pick(random);
      title = `${brand} ${adjective} ${colour} ${noun} ${model}`;
      count(brand, adjective, colour, noun);
    } else if (script < 0.2) {
      const colour = cjkColours.pick(random);
      noun = cjkNouns.pick(random);
      adjective = '';
      title = `${brand} ${colour}${noun} ${model}`;
      count(brand, colour, noun);
    } else {
      adjective = adjectives.pick(random);
      const colour = colours.pick(random);
      noun = nouns.pick(random);
      title = `${brand} ${adjective} ${colour} ${noun} ${model}`;
      count(brand, adjective, colour, noun);
    }
    const cents = Math.min(
      1_000_000,
      Math.max(1, Math.round(Math.exp(Math.log(35) + 1.5 * random.normal()) * 100)),
    );
    const price = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const placement = random.next();
    let categoryKey: number | null;
    if (placement < 0.05 || categories.length === 0) categoryKey = null;
    else if (placement < 0.055 && chainDeep.length > 0) categoryKey = random.pick(chainDeep);
    else categoryKey = plain.length > 0 ? random.pick(plain) : null;
    const sku = `${brand.slice(0, 3).toUpperCase()}-${String(i + 1).padStart(7, '0')}`;
    const description = `${adjective} ${noun} by ${brand}. ${random.pick(PHRASES)}`.trim();
    products.push({
      title,
      description,
      sku,
      price,
      categoryKey,
      ...(random.next() < 0.5 && {
        imageUrl: `https://cdn.example.com/images/${sku.toLowerCase()}.jpg`,
      }),
    });
  }

  // Products per subtree: each product counts for its category and every ancestor.
  const subtreeProducts = new Map<number, number>();
  for (const product of products) {
    let key = product.categoryKey;
    while (key !== null) {
      subtreeProducts.set(key, (subtreeProducts.get(key) ?? 0) + 1);
      key = categories[key].parentKey;
    }
  }
  return { categories, products, wordCounts, subtreeProducts };
}

export interface SeededCatalog {
  plan: CatalogPlan;
  /** Service ids by plan key. */
  categoryIds: number[];
  productIds: number[];
  categorySeconds: number;
  productSeconds: number;
  /** Requests that had to be retried (network errors or 5xx). */
  retries: number;
}

interface Created {
  id: number;
}

/** Writes the plan through POST /api/v1/categories and POST /api/v1/products. */
export async function seedCatalog(
  client: HttpClient,
  plan: CatalogPlan,
  concurrency: number,
): Promise<SeededCatalog> {
  let retries = 0;
  const create = async (path: string, body: object, label: string): Promise<number> => {
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let problem = '';
      try {
        const response = await client.json<Created>('POST', path, body);
        status = response.status;
        if (status === 201) return response.data.id;
        problem = JSON.stringify(response.data);
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      // Only a lost answer or a server-side failure is worth a retry; anything else is a bug here.
      const retryable = status === 0 || status >= 500;
      if (!retryable || attempt >= 4) {
        throw new Error(`seeding ${label} failed with ${status}: ${problem.slice(0, 300)}`);
      }
      retries++;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  };

  const categoryIds: number[] = new Array<number>(plan.categories.length);
  const categoryStart = Date.now();
  const plainByDepth = new Map<number, CategoryPlan[]>();
  for (const category of plan.categories) {
    if (category.inChain) continue;
    plainByDepth.set(category.depth, [...(plainByDepth.get(category.depth) ?? []), category]);
  }
  const writeCategory = async (category: CategoryPlan) => {
    categoryIds[category.key] = await create(
      '/api/v1/categories',
      {
        name: category.name,
        parent_id: category.parentKey === null ? null : categoryIds[category.parentKey],
      },
      `category ${category.name}`,
    );
  };
  for (const depth of [...plainByDepth.keys()].sort((a, b) => a - b)) {
    await forEachLimited(plainByDepth.get(depth)!, concurrency, writeCategory);
  }
  // The chain must be written one level after the other.
  for (const category of plan.categories.filter((c) => c.inChain)) await writeCategory(category);
  const categorySeconds = (Date.now() - categoryStart) / 1000;
  log(
    `seeded ${plan.categories.length} categories in ${categorySeconds.toFixed(1)} s ` +
      `(${(plan.categories.length / Math.max(categorySeconds, 0.001)).toFixed(0)}/s)`,
  );

  const productIds: number[] = new Array<number>(plan.products.length);
  const productStart = Date.now();
  let done = 0;
  const progress = setInterval(() => {
    const seconds = (Date.now() - productStart) / 1000;
    log(
      `  products ${done}/${plan.products.length} (${(done / Math.max(seconds, 0.001)).toFixed(0)}/s)`,
    );
  }, 10_000);
  try {
    await forEachLimited(plan.products, concurrency, async (product, index) => {
      productIds[index] = await create(
        '/api/v1/products',
        {
          title: product.title,
          description: product.description,
          sku: product.sku,
          price: product.price,
          category_id: product.categoryKey === null ? null : categoryIds[product.categoryKey],
          ...(product.imageUrl && { image_url: product.imageUrl }),
        },
        `product ${product.sku}`,
      );
      done++;
    });
  } finally {
    clearInterval(progress);
  }
  const productSeconds = (Date.now() - productStart) / 1000;
  log(
    `seeded ${plan.products.length} products in ${productSeconds.toFixed(1)} s ` +
      `(${(plan.products.length / Math.max(productSeconds, 0.001)).toFixed(0)}/s)`,
  );
  return { plan, categoryIds, productIds, categorySeconds, productSeconds, retries };
}

/** The words and nodes the scenarios ask for, chosen from what was generated. */
export interface CatalogFacts {
  commonWord: string;
  commonWordTitles: number;
  rareWord: string;
  rareWordTitles: number;
  cjkWord: string;
  cjkWordTitles: number;
  sku: string;
  rootId: number;
  rootProducts: number;
  midId: number;
  midProducts: number;
  midDepth: number;
  chainTopId: number | null;
  chainProducts: number;
  productIds: number[];
  categoryIds: number[];
}

export function catalogFacts(seeded: SeededCatalog): CatalogFacts {
  const { plan } = seeded;
  const countOf = (word: string) => plan.wordCounts.get(word) ?? 0;
  const target = plan.products.length * 0.08;
  const commonWord = [...COLOURS].sort(
    (a, b) => Math.abs(countOf(a) - target) - Math.abs(countOf(b) - target),
  )[0];
  const rareWord = [...RARE_BRANDS].sort((a, b) => countOf(b) - countOf(a))[0];
  const cjkWord = [...CJK_NOUNS].sort((a, b) => countOf(b) - countOf(a))[0];
  const productsIn = (key: number) => plan.subtreeProducts.get(key) ?? 0;
  /** The candidate whose subtree holds the number of products closest to `target`. */
  const closestTo = (target: number, candidates: CategoryPlan[]) =>
    [...candidates].sort(
      (a, b) =>
        Math.abs(productsIn(a.key) - target) - Math.abs(productsIn(b.key) - target) ||
        a.key - b.key,
    )[0];
  const roots = plan.categories.filter((c) => c.depth === 0);
  // A typical root (about a tenth of the catalog), and a mid-level node of about 1% of it.
  const root = closestTo(plan.products.length / roots.length, roots);
  const midDepth = plan.categories.some((c) => c.depth === 2 && !c.inChain) ? 2 : 1;
  const mid =
    closestTo(
      Math.max(40, plan.products.length / 100),
      plan.categories.filter((c) => c.depth === midDepth && !c.inChain),
    ) ?? root;
  const chainTop = plan.categories.find((c) => c.inChain && c.depth === 1);
  const skuIndex = Math.floor(plan.products.length * 0.37);
  return {
    commonWord: commonWord.toLowerCase(),
    commonWordTitles: countOf(commonWord),
    rareWord,
    rareWordTitles: countOf(rareWord),
    cjkWord,
    cjkWordTitles: countOf(cjkWord),
    sku: plan.products[skuIndex].sku,
    rootId: seeded.categoryIds[root.key],
    rootProducts: productsIn(root.key),
    midId: seeded.categoryIds[mid.key],
    midProducts: productsIn(mid.key),
    midDepth,
    chainTopId: chainTop ? seeded.categoryIds[chainTop.key] : null,
    chainProducts: chainTop ? productsIn(chainTop.key) : 0,
    productIds: seeded.productIds,
    categoryIds: seeded.categoryIds,
  };
}

/**
 * What the reports aggregate, written directly with SQL (through HTTP it would take longer than
 * the whole run): a stock for every product, 1 to 3 reviews for half of them (and their rating
 * summaries), one order of 4 lines per eight products (a tenth cancelled) from one customer, and
 * the products' sales summaries as the order statements keep them. Deterministic, like the
 * catalog.
 */
const COMMERCE_SEED = [
  `UPDATE inventory SET quantity = (product_id * 31) % 500`,
  `INSERT INTO review (product_id, author, rating)
   SELECT p.id, 'Bench', 1 + (p.id + n) % 5 FROM product p CROSS JOIN generate_series(1, 1 + p.id % 3) n
   WHERE p.id % 2 = 0`,
  `INSERT INTO product_rating AS summary
     (product_id, count, sum, count_1, count_2, count_3, count_4, count_5)
   SELECT product_id, count(*), sum(rating), count(*) FILTER (WHERE rating = 1),
     count(*) FILTER (WHERE rating = 2), count(*) FILTER (WHERE rating = 3),
     count(*) FILTER (WHERE rating = 4), count(*) FILTER (WHERE rating = 5)
   FROM review GROUP BY product_id
   ON CONFLICT (product_id) DO UPDATE SET count = EXCLUDED.count, sum = EXCLUDED.sum,
     count_1 = EXCLUDED.count_1, count_2 = EXCLUDED.count_2, count_3 = EXCLUDED.count_3,
     count_4 = EXCLUDED.count_4, count_5 = EXCLUDED.count_5`,
  `INSERT INTO customer (email, name) VALUES ('bench-reports@example.com', 'Bench reports')
   ON CONFLICT DO NOTHING`,
  `INSERT INTO "order" (customer_id, status, item_count, total)
   SELECT (SELECT id FROM customer WHERE email = 'bench-reports@example.com'),
     CASE WHEN i % 10 = 0 THEN 'cancelled' ELSE 'paid' END, 4, 0
   FROM generate_series(1, (SELECT count(*) / 8 FROM product)) i`,
  `INSERT INTO order_line (order_id, position, product_id, sku, title, unit_price, quantity, line_total)
   WITH numbered AS (
     SELECT id, sku, title, price, row_number() OVER (ORDER BY id) - 1 AS k FROM product
   )
   SELECT o.id, n, p.id, p.sku, p.title, p.price, 1 + n, p.price * (1 + n)
   FROM "order" o CROSS JOIN generate_series(0, 3) n
   JOIN numbered p ON p.k = (o.id * 4 + n) * 48271 % (SELECT count(*) FROM product)`,
  `UPDATE "order" o SET item_count = l.units, total = l.total
   FROM (SELECT order_id, sum(quantity)::int AS units, sum(line_total) AS total FROM order_line GROUP BY order_id) l
   WHERE o.id = l.order_id`,
  `INSERT INTO product_sales (product_id, units_sold, revenue)
   SELECT l.product_id, sum(l.quantity), sum(l.line_total)
   FROM order_line l JOIN "order" o ON o.id = l.order_id
   WHERE o.status <> 'cancelled' GROUP BY l.product_id
   ON CONFLICT (product_id) DO UPDATE SET
     units_sold = product_sales.units_sold + EXCLUDED.units_sold,
     revenue = product_sales.revenue + EXCLUDED.revenue`,
];
const COMMERCE_TABLES = [
  'inventory',
  'review',
  'product_rating',
  'order',
  'order_line',
  'product_sales',
];

/**
 * Plans and seeds the catalog through `client` (the service's write path), then runs VACUUM
 * ANALYZE as autovacuum would after a bulk load; answers what the scenarios and reports need.
 */
export async function seedDatabase(
  client: HttpClient,
  databaseUrl: string,
  settings: { products: number; categories: number; seed: number; seedConcurrency: number },
) {
  log(`planning the catalog (seed ${settings.seed})`);
  const plan = planCatalog(settings.products, settings.categories, settings.seed);
  log(`seeding with ${settings.seedConcurrency} requests in flight`);
  const seeded = await seedCatalog(client, plan, settings.seedConcurrency);
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    log('commerce figures for the reports: stock, ratings, orders and their sales summaries');
    for (const statement of COMMERCE_SEED) await db.query(statement);
    log('VACUUM ANALYZE, as autovacuum would after a bulk load');
    for (const table of ['product', 'category', ...COMMERCE_TABLES])
      await db.query(`VACUUM (ANALYZE) "${table}"`);
    const postgres = (await db.query<{ version: string }>('SELECT version()')).rows[0].version;
    const counts = (
      await db.query<{ products: number; categories: number }>(
        'SELECT (SELECT count(*)::int FROM product) AS products, (SELECT count(*)::int FROM category) AS categories',
      )
    ).rows[0];
    log(
      `database: ${counts.products} products, ${counts.categories} categories; ${postgres.split(',')[0]}`,
    );
    return { plan, seeded, facts: catalogFacts(seeded), postgres, counts };
  } finally {
    await db.end();
  }
}
