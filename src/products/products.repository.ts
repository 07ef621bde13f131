import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Product } from './product.entity';

export interface ProductValues {
  title: string;
  description: string;
  imageUrl: string | null;
  sku: string;
  price: string;
  categoryId: string | null;
}

@Injectable()
export class ProductsRepository {
  constructor(@InjectRepository(Product) private readonly repository: Repository<Product>) {}

  findById(id: string): Promise<Product | null> {
    return this.repository.findOneBy({ id });
  }

  /** Those of `ids` that exist, by id, in one statement. */
  async findByIds(ids: string[]): Promise<Product[]> {
    if (ids.length === 0) return [];
    return this.repository.find({ where: { id: In(ids) }, order: { id: 'ASC' } });
  }

  findPage(limit: number, offset: number): Promise<[Product[], number]> {
    return this.repository.findAndCount({ order: { id: 'ASC' }, take: limit, skip: offset });
  }

  async insert(values: ProductValues): Promise<Product> {
    const result = await this.repository
      .createQueryBuilder()
      .insert()
      .into(Product)
      .values(values)
      .returning('*')
      .execute();
    return this.repository.create(this.fromRaw(result.raw as RawProduct[])[0]);
  }

  /** Applies the changes in one statement; answers null when the product does not exist. */
  async update(id: string, changes: Partial<ProductValues>): Promise<Product | null> {
    const result = await this.repository
      .createQueryBuilder()
      .update(Product)
      .set(changes)
      .where('id = :id', { id })
      .returning('*')
      .execute();
    const [product] = this.fromRaw(result.raw as RawProduct[]);
    return product ?? null;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.repository.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  private fromRaw(rows: RawProduct[]): Product[] {
    return rows.map((row) =>
      this.repository.create({
        id: String(row.id),
        title: row.title,
        description: row.description,
        imageUrl: row.image_url,
        sku: row.sku,
        price: row.price,
        categoryId: row.category_id === null ? null : String(row.category_id),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }),
    );
  }
}

interface RawProduct {
  id: string;
  title: string;
  description: string;
  image_url: string | null;
  sku: string;
  price: string;
  category_id: string | null;
  created_at: Date;
  updated_at: Date;
}
