"""The customer import: plan the columns, read the rows, write them batch by batch."""
