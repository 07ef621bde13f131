/** Where the catalog lives: the primary takes every write, replicas may serve reads. */
export class DatabaseUrls {
  constructor(
    readonly primary: string,
    readonly replicas: string[] = [],
  ) {}
}
