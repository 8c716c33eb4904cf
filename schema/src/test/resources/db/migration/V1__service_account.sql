-- A service's own first migration at Flyway's (and Spring Boot's) default location, beside the library's V1.
CREATE TABLE account (id bigint PRIMARY KEY, owner text NOT NULL);
