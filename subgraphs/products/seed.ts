import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { DEFAULT_CURRENCY, DEMO_PRODUCT_COUNT, demoProductId, demoSku, execute, seededRandom } from '../kit';
import { INSERT_CATEGORIES, INSERT_PRODUCTS } from './domain/sql/seed';
import type { Product } from './domain/types';

/**
 * Demo catalogue, idempotent (INSERT ... ON CONFLICT DO NOTHING: a re-run adds what is missing and
 * never overwrites prices changed since), three statements in all. Lean SQL rather than the unit of
 * work: insert-if-missing is a conditional write the unit of work cannot express without first
 * reading all 300 rows back.
 *
 * Ids:
 * - 6 root categories `cat-<root>` (cat-electronics, cat-home, cat-clothing, cat-sports, cat-toys,
 *   cat-grocery), each with 3-4 children `cat-<root>-<child>` (e.g. cat-electronics-audio); the
 *   full list is DEMO_CATEGORIES below.
 * - DEMO_PRODUCT_COUNT (300) products prod-0001..prod-0300 with SKUs SKU-0001..SKU-0300
 *   (kit demoProductId / demoSku). Product n is filed under child category number (n-1) mod 20,
 *   named "<kind> n" (e.g. "Casque audio sans fil 1"), priced deterministically (seededRandom),
 *   all in CAD. Every product whose number is a multiple of 47 is inactive (prod-0047, 0094, 0141,
 *   0188, 0235, 0282).
 */

interface DemoChild {
  key: string;
  name: string;
  /** Price range in dollars. */
  price: [number, number];
  kinds: string[];
}

interface DemoRoot {
  key: string;
  name: string;
  slug: string;
  children: DemoChild[];
}

export const DEMO_CATEGORIES: readonly DemoRoot[] = [
  {
    key: 'electronics',
    name: 'Électronique',
    slug: 'electronique',
    children: [
      {
        key: 'audio',
        name: 'Audio',
        price: [29, 449],
        kinds: ['Casque audio sans fil', 'Écouteurs intra-auriculaires', 'Enceinte Bluetooth', 'Barre de son'],
      },
      {
        key: 'tv',
        name: 'Téléviseurs',
        price: [149, 2499],
        kinds: ['Téléviseur 4K 55 po', 'Téléviseur OLED 65 po', 'Support mural TV', 'Lecteur multimédia'],
      },
      {
        key: 'computers',
        name: 'Informatique',
        price: [25, 1899],
        kinds: ['Ordinateur portable 14 po', 'Souris ergonomique', 'Clavier mécanique', 'Écran 27 po'],
      },
      {
        key: 'phones',
        name: 'Téléphonie',
        price: [19, 1299],
        kinds: ['Téléphone intelligent', 'Étui de protection', 'Chargeur rapide USB-C', 'Montre connectée'],
      },
    ],
  },
  {
    key: 'home',
    name: 'Maison',
    slug: 'maison',
    children: [
      {
        key: 'kitchen',
        name: 'Cuisine',
        price: [15, 399],
        kinds: ['Cafetière filtre', 'Poêle antiadhésive 28 cm', 'Mélangeur haute vitesse', 'Ensemble de couteaux'],
      },
      {
        key: 'furniture',
        name: 'Mobilier',
        price: [79, 899],
        kinds: ['Chaise de bureau', 'Table basse en chêne', 'Bibliothèque 5 tablettes'],
      },
      {
        key: 'decor',
        name: 'Décoration',
        price: [9, 129],
        kinds: ['Lampe de table', 'Coussin décoratif', 'Cadre photo', 'Bougie parfumée'],
      },
    ],
  },
  {
    key: 'clothing',
    name: 'Vêtements',
    slug: 'vetements',
    children: [
      {
        key: 'men',
        name: 'Homme',
        price: [25, 349],
        kinds: ['Chemise en lin homme', 'Jean coupe droite homme', "Manteau d'hiver homme"],
      },
      {
        key: 'women',
        name: 'Femme',
        price: [25, 349],
        kinds: ["Robe d'été", 'Chandail en laine femme', 'Pantalon de yoga'],
      },
      {
        key: 'kids',
        name: 'Enfant',
        price: [12, 149],
        kinds: ['Pyjama enfant', 'Habit de neige enfant', 'T-shirt enfant'],
      },
      {
        key: 'shoes',
        name: 'Chaussures',
        price: [39, 249],
        kinds: ["Bottes d'hiver", 'Espadrilles de course', 'Sandales de marche'],
      },
    ],
  },
  {
    key: 'sports',
    name: 'Sports et plein air',
    slug: 'sports-plein-air',
    children: [
      {
        key: 'camping',
        name: 'Camping',
        price: [29, 599],
        kinds: ['Tente 4 places', 'Sac de couchage -10 °C', 'Réchaud de camping'],
      },
      {
        key: 'cycling',
        name: 'Vélo',
        price: [19, 1499],
        kinds: ['Vélo hybride', 'Casque de vélo', 'Lumière de vélo USB'],
      },
      {
        key: 'fitness',
        name: 'Mise en forme',
        price: [12, 399],
        kinds: ['Tapis de yoga', 'Haltères réglables', 'Corde à sauter'],
      },
    ],
  },
  {
    key: 'toys',
    name: 'Jouets',
    slug: 'jouets',
    children: [
      {
        key: 'board-games',
        name: 'Jeux de société',
        price: [15, 89],
        kinds: ['Jeu de société familial', 'Casse-tête 1000 pièces', 'Jeu de cartes'],
      },
      {
        key: 'building',
        name: 'Construction',
        price: [19, 199],
        kinds: ['Ensemble de blocs de construction', 'Circuit de billes', 'Maquette en bois'],
      },
      { key: 'outdoor', name: 'Jeux extérieurs', price: [15, 179], kinds: ['Trottinette', 'Ballon de soccer', 'Luge'] },
    ],
  },
  {
    key: 'grocery',
    name: 'Épicerie fine',
    slug: 'epicerie-fine',
    children: [
      {
        key: 'coffee',
        name: 'Café et thé',
        price: [6, 49],
        kinds: ['Café en grains 1 kg', 'Thé vert biologique', "Capsules d'espresso"],
      },
      {
        key: 'pantry',
        name: 'Garde-manger',
        price: [4, 39],
        kinds: ["Sirop d'érable 540 ml", 'Chocolat noir 70 %', 'Craquelins au romarin'],
      },
      {
        key: 'beverages',
        name: 'Boissons',
        price: [3, 29],
        kinds: ['Jus de pomme 2 L', 'Eau pétillante 12 x 355 ml', 'Kombucha'],
      },
    ],
  },
];

export function demoCategoryId(rootKey: string, childKey?: string): string {
  return childKey ? `cat-${rootKey}-${childKey}` : `cat-${rootKey}`;
}

/** Every 47th product is withdrawn from sale so that filters on `active` have something to do. */
export function isDemoProductInactive(n: number): boolean {
  return n % 47 === 0;
}

/** A demo product row as seeded: currency and timestamps are the columns' defaults, every one is filed. */
type SeedProduct = Omit<Product, 'currency' | 'createdAt' | 'updatedAt' | 'categoryId'> & { categoryId: string };

/** The demo products, computed (no I/O) so tests can compare against them. */
export function demoProducts(): SeedProduct[] {
  const leaves = DEMO_CATEGORIES.flatMap((root) => root.children.map((child) => ({ root, child })));
  const random = seededRandom(20260101);
  const products: SeedProduct[] = [];
  for (let n = 1; n <= DEMO_PRODUCT_COUNT; n++) {
    const leaf = leaves[(n - 1) % leaves.length];
    if (!leaf) throw new Error('no demo categories');
    const kind = leaf.child.kinds[Math.floor(random() * leaf.child.kinds.length)] ?? leaf.child.name;
    const [min, max] = leaf.child.price;
    // Shelf prices end in .99 (or .49 for a quarter of them).
    const dollars = Math.floor(min + random() * (max - min));
    const cents = random() < 0.25 ? 49 : 99;
    products.push({
      id: demoProductId(n),
      sku: demoSku(n),
      name: `${kind} ${n}`,
      description: `${kind} — ${leaf.child.name.toLowerCase()}, ${leaf.root.name.toLowerCase()}. Garantie 1 an.`,
      priceCents: dollars * 100 + cents,
      active: !isDemoProductInactive(n),
      categoryId: demoCategoryId(leaf.root.key, leaf.child.key),
    });
  }
  return products;
}

async function seed(em: EntityManager): Promise<void> {
  const roots = DEMO_CATEGORIES.map((root, i) => ({
    id: demoCategoryId(root.key),
    name: root.name,
    slug: root.slug,
    parentId: null,
    position: i + 1,
  }));
  const children = DEMO_CATEGORIES.flatMap((root) =>
    root.children.map((child, i) => ({
      id: demoCategoryId(root.key, child.key),
      name: child.name,
      slug: `${root.slug}-${child.key}`,
      parentId: demoCategoryId(root.key),
      position: i + 1,
    })),
  );
  // Roots first, in their own statement, so the children's parent_id foreign keys always resolve.
  for (const rows of [roots, children]) {
    await execute(em, INSERT_CATEGORIES, {
      ids: rows.map((r) => r.id),
      names: rows.map((r) => r.name),
      slugs: rows.map((r) => r.slug),
      parentIds: rows.map((r) => r.parentId),
      positions: rows.map((r) => r.position),
    });
  }
  const products = demoProducts();
  await execute(em, INSERT_PRODUCTS, {
    ids: products.map((p) => p.id),
    skus: products.map((p) => p.sku),
    names: products.map((p) => p.name),
    descriptions: products.map((p) => p.description),
    priceCents: products.map((p) => p.priceCents),
    currency: DEFAULT_CURRENCY,
    active: products.map((p) => p.active),
    categoryIds: products.map((p) => p.categoryId),
  });
}

/** Seeds the demo catalogue in one transaction; used by index.ts when SEED_DEMO=1. */
export async function seedProducts(orm: MikroORM): Promise<void> {
  await orm.em.fork().transactional((em) => seed(em as EntityManager));
}
