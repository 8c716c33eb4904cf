-- The test application's own first migration, at Spring Boot's default location beside the library's V1.
CREATE TABLE orders (id uuid PRIMARY KEY, status text NOT NULL);
