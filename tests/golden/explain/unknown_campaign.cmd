explain spring.herald --customers customers.csv --customer c00001 --campaign spring5g
