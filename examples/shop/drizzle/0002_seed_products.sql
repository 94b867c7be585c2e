-- Custom SQL migration file, put your code below! --
INSERT INTO "products" ("sku", "price_cents") VALUES ('mug', 1200), ('tee', 2500), ('cap', 1800);
