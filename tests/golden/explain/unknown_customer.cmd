explain spring.herald --customers customers.csv --customer c99999 --campaign spring_5g
