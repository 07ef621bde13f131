/**
 * Writes demo/products.csv, the demo catalog: a few thousand products in a category tree four
 * levels deep, titles in Latin, Cyrillic, Greek, Japanese and Arabic script. Deterministic (a
 * seeded generator), so running it again writes the same file. Run once; the CSV is committed.
 *
 *   npx ts-node --transpile-only demo/generate-catalog.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';

let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const TREE: Record<string, Record<string, string[]>> = {
  Electronics: {
    Computers: ['Laptops', 'Desktops', 'Monitors'],
    Phones: ['Smartphones', 'Cases', 'Chargers'],
    Audio: ['Headphones', 'Speakers'],
  },
  Книги: { Художествена: ['Романи', 'Поезия'], 'Наука и техника': ['Физика', 'Програмиране'] },
  'Home & Garden': {
    Kitchen: ['Cookware', 'Knives', 'Tea & Coffee'],
    Garden: ['Tools', 'Seeds', 'Pots'],
  },
  食品: { 飲み物: ['お茶', 'コーヒー'], お菓子: ['和菓子', 'チョコレート'] },
  Ένδυση: { Ανδρικά: ['Πουκάμισα', 'Παπούτσια'], Γυναικεία: ['Φορέματα', 'Τσάντες'] },
  'أدوات منزلية': { مطبخ: ['أواني', 'أكواب'] },
};

const WORDS: Record<string, { adjectives: string[]; nouns: string[] }> = {
  latin: {
    adjectives: ['Compact', 'Pro', 'Classic', 'Ultra', 'Eco', 'Smart', 'Mini', 'Deluxe'],
    nouns: ['Laptop', 'Kettle', 'Headset', 'Speaker', 'Knife', 'Monitor', 'Charger', 'Lamp'],
  },
  cyrillic: {
    adjectives: ['Червена', 'Голяма', 'Лека', 'Стара', 'Нова', 'Зелена'],
    nouns: ['ябълка', 'книга', 'чаша', 'лампа', 'тетрадка', 'карта'],
  },
  greek: {
    adjectives: ['Μεγάλο', 'Μικρό', 'Κλασικό', 'Νέο'],
    nouns: ['πουκάμισο', 'παπούτσι', 'φόρεμα', 'καπέλο'],
  },
  japanese: {
    adjectives: ['新しい', '小さい', '高級', '特別な'],
    nouns: ['緑茶', '抹茶', '煎餅', '団子'],
  },
  arabic: { adjectives: ['جديد', 'كبير', 'صغير'], nouns: ['كوب', 'إبريق', 'طبق'] },
};
const SCRIPT_OF_ROOT: Record<string, string> = {
  Electronics: 'latin',
  Книги: 'cyrillic',
  'Home & Garden': 'latin',
  食品: 'japanese',
  Ένδυση: 'greek',
  'أدوات منزلية': 'arabic',
};

const leaves = Object.entries(TREE).flatMap(([root, children]) =>
  Object.entries(children).flatMap(([child, grandchildren]) =>
    grandchildren.flatMap((leaf) => [
      [root, child, leaf],
      [root, child, leaf, 'Sale'],
    ]),
  ),
);

const COUNT = 3000;
const rows = Array.from({ length: COUNT }, (_, index) => {
  const path = pick(leaves);
  const words = WORDS[SCRIPT_OF_ROOT[path[0]]];
  const title = `${pick(words.adjectives)} ${pick(words.nouns)} ${100 + (index % 900)}`;
  const cents = Math.floor(random() * 200_000) + 99;
  return {
    sku: `DEMO-${String(index + 1).padStart(5, '0')}`,
    title,
    description: `${title}, from the ${path.at(-1)} shelf.\nDemo data.`,
    price: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    image_url: `https://cdn.example.com/demo/${index + 1}.jpg`,
    category_path: path.join(' > '),
    is_active: random() < 0.95 ? 'true' : 'false',
    quantity: String(Math.floor(random() * 500)),
  };
});

writeFileSync(
  join(__dirname, 'products.csv'),
  stringify(rows, { header: true, record_delimiter: 'windows', quoted_match: /[\r\n]/ }),
);
console.log(
  `Wrote ${rows.length} products in ${leaves.length} leaf categories to demo/products.csv`,
);
