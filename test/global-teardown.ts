import { rm } from 'node:fs/promises';

export default async function globalTeardown(): Promise<void> {
  const templateDir = process.env.GATEHOUSE_TEST_TEMPLATE_DIR;
  if (templateDir !== undefined) await rm(templateDir, { recursive: true, force: true });
}
