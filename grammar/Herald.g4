// The Herald campaign language (LANGUAGE.md sections 1-5).
// Literal validity (escapes, number shapes, dates) is checked by the AST builder, which reports
// precise diagnostics; the lexer accepts a superset so that errors carry the token's place.
grammar Herald;

@lexer::members {
  // A number directly followed by '%' is a percent unless an operand follows at once (`7%3`).
  bool percentAllowed() {
    size_t c = _input->LA(1);
    return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '(');
  }
}

@parser::members {
  // A declaration word followed by a name (`segment b`, `campaign x`, `customer {`) starts a new
  // declaration; it is never a name inside an expression. Without this, `segment a = age >=`
  // followed by a new line `segment b = ...` would read `segment` as a name and lose `b`.
  bool declarationAhead() {
    size_t t1 = _input->LA(1), t2 = _input->LA(2);
    bool word = t1 == PACK || t1 == TIMEZONE || t1 == CUSTOMER || t1 == CONST || t1 == LET || t1 == SEGMENT ||
                t1 == OFFER || t1 == CHANNEL || t1 == POLICY || t1 == CAMPAIGN || t1 == ACTIVITY ||
                t1 == RESPONSE || t1 == EVENT;
    bool next = t2 == IDENT || (t2 >= PACK && t2 <= LEAD) || t2 == LBRACE || t2 == STRING;
    return word && next;
  }
}

// ---------------------------------------------------------------- file and header
file        : header? timezone? decl* EOF ;
header      : PACK ident ;
timezone    : TIMEZONE STRING ;
exprOnly    : expr EOF ;

decl
  : customerDecl | eventDecl | constDecl | letDecl | segmentDecl | offerDecl | channelDecl
  | policyDecl | campaignDecl | activityDecl | responseDecl
  ;

customerDecl : CUSTOMER '{' (fieldDecl ','?)* '}' ;
eventDecl    : EVENT ident '{' (fieldDecl ','?)* '}' ;
fieldDecl    : ident ':' typeRef ;
typeRef
  : ENUM '(' STRING (',' STRING)* ')' QMARK?          # enumType
  | SET '<' ident '>' QMARK?                           # setType
  | ident QMARK?                                       # namedType
  ;

constDecl    : CONST ident '=' expr ;
letDecl      : LET ident '=' expr ;
segmentDecl  : SEGMENT ident '=' expr ;

offerDecl    : OFFER ident '{' (namedValue ','?)* '}' ;
namedValue   : ident ':' expr ;

channelDecl  : CHANNEL ident '{' (channelField ','?)* '}' ;
channelField
  : QUIET ':' TIME TO TIME                             # quietField
  | {!declarationAhead()}? ident ':' expr                                 # otherChannelField
  ;

policyDecl   : POLICY ident '{' policyRule* '}' ;
policyRule
  : MAX expr CONTACTS PER expr ruleScope*              # maxRule
  | MIN expr BETWEEN CONTACTS ruleScope*               # minRule
  | EXCLUDE LIST STRING                                # excludeRule
  ;
ruleScope
  : ON ident                                           # onScope
  | FOR SAME ident                                     # sameScope
  ;

campaignDecl : CAMPAIGN ident '{' campaignClause* '}' ;
campaignClause
  : CHANNEL ':' ident                                  # channelClause
  | OFFER ':' ident                                    # offerClause
  | LIMIT ':' expr PER RUN                             # limitClause
  | POLICY ':' ident (',' ident)*                      # policyClause
  | MESSAGE ':' STRING                                 # messageClause
  | TRIGGER ':' ident (WHERE expr)?                    # triggerClause
  | {!declarationAhead()}? ident ':' expr                                 # exprClause
  ;

activityDecl : ACTIVITY ident '{' activityClause* '}' ;
activityClause
  : CAMPAIGNS ':' ident (',' ident)*                   # campaignsClause
  | SCHEDULE ':' schedule                              # scheduleClause
  | WINDOW ':' DATE TO DATE                            # windowClause
  | {!declarationAhead()}? ident ':' expr                                 # otherActivityClause
  ;
schedule
  : DAILY AT TIME                                      # dailySchedule
  | WEEKLY ON ident (',' ident)* AT TIME               # weeklySchedule
  | CRON STRING                                        # cronSchedule
  | ONCE AT (TIMESTAMP | DATE)                         # onceSchedule
  | MANUAL                                             # manualSchedule
  ;

responseDecl : RESPONSE ident '{' responseItem* '}' ;
responseItem
  : WHEN expr ARROW action                             # whenItem
  | ELSE ARROW action                                  # elseItem
  | CHANNEL ':' ident                                  # responseChannel
  | {!declarationAhead()}? ident ':' expr                                 # responseClause
  ;
action
  : ident                                              # simpleAction
  | DND ALL                                            # dndAllAction
  | LEAD '(' (namedValue (',' namedValue)*)? ')'       # leadAction
  | LIST ident STRING                                  # listAction
  ;

// ---------------------------------------------------------------- expressions
expr
  : IF expr THEN expr ELSE expr                        # ifExpr
  | orExpr                                             # plainExpr
  ;
orExpr     : andExpr (OR andExpr)* ;
andExpr    : notExpr (AND notExpr)* ;
notExpr
  : NOT notExpr                                        # notOp
  | comparison                                         # notPass
  ;
comparison : coalesce compTail* ;
compTail
  : op=(EQ | NE | LT | LE | GT | GE) coalesce          # cmpTail
  | BETWEEN coalesce AND coalesce                      # betweenTail
  | NOT? IN coalesce                                   # inTail
  | op=(MATCHES | CONTAINS | STARTS_WITH | ENDS_WITH) coalesce  # textTail
  ;
coalesce   : additive (COALESCE additive)* ;
additive   : multiplicative (op+=(PLUS | MINUS) multiplicative)* ;
multiplicative : unary (op+=(STAR | SLASH | PERCENT_OP) unary)* ;
unary
  : MINUS unary                                        # negate
  | postfix                                            # unaryPass
  ;
postfix    : primary (DOT ident)* ;
primary
  : literal                                            # literalExpr
  | NOW                                                # nowExpr
  | {!declarationAhead()}? EVENT                       # eventExpr
  | ident '(' callArgs? ')'                            # callExpr
  | {!declarationAhead()}? ident                       # nameExpr
  | '(' expr ')'                                       # parenExpr
  | '[' (expr (',' expr)*)? ']'                        # listExpr
  ;
callArgs
  : callArg (',' callArg)*
  | aggFilter+
  ;
callArg    : expr aggFilter* ;
aggFilter
  : WHERE expr                                         # whereFilter
  | WITHIN expr                                        # withinFilter
  | ON ident                                           # onFilter
  | FOR ident ident                                    # forFilter
  ;
literal
  : INT | FLOAT | PERCENT | STRING | RAW_STRING | TRUE | FALSE | DURATION | DATE | TIMESTAMP | TIME
  ;

// Words that are keywords only where the grammar expects them.
ident
  : IDENT | PACK | TIMEZONE | CUSTOMER | ENUM | SET | CONST | LET | SEGMENT | OFFER | CHANNEL
  | QUIET | TO | POLICY | MAX | MIN | CONTACTS | PER | ON | FOR | SAME | EXCLUDE | LIST | CAMPAIGN
  | LIMIT | RUN | POLICY | MESSAGE | TRIGGER | ACTIVITY | CAMPAIGNS | SCHEDULE | DAILY | AT | WEEKLY
  | CRON | ONCE | MANUAL | WINDOW | RESPONSE | WHEN | DND | ALL | LEAD
  ;

// ---------------------------------------------------------------- lexer
// Reserved words.
AND : 'and' ; OR : 'or' ; NOT : 'not' ; IF : 'if' ; THEN : 'then' ; ELSE : 'else' ;
TRUE : 'true' ; FALSE : 'false' ; IN : 'in' ; BETWEEN : 'between' ; MATCHES : 'matches' ;
CONTAINS : 'contains' ; STARTS_WITH : 'starts_with' ; ENDS_WITH : 'ends_with' ; NOW : 'now' ;
WITHIN : 'within' ; WHERE : 'where' ; EVENT : 'event' ;

// Contextual keywords.
PACK : 'pack' ; TIMEZONE : 'timezone' ; CUSTOMER : 'customer' ; ENUM : 'enum' ; SET : 'set' ;
CONST : 'const' ; LET : 'let' ; SEGMENT : 'segment' ; OFFER : 'offer' ; CHANNEL : 'channel' ;
QUIET : 'quiet' ; TO : 'to' ; POLICY : 'policy' ; MAX : 'max' ; MIN : 'min' ;
CONTACTS : 'contacts' ; PER : 'per' ; ON : 'on' ; FOR : 'for' ; SAME : 'same' ;
EXCLUDE : 'exclude' ; LIST : 'list' ; CAMPAIGN : 'campaign' ; LIMIT : 'limit' ; RUN : 'run' ;
MESSAGE : 'message' ; TRIGGER : 'trigger' ; ACTIVITY : 'activity' ; CAMPAIGNS : 'campaigns' ;
SCHEDULE : 'schedule' ; DAILY : 'daily' ; AT : 'at' ; WEEKLY : 'weekly' ; CRON : 'cron' ;
ONCE : 'once' ; MANUAL : 'manual' ; WINDOW : 'window' ; RESPONSE : 'response' ; WHEN : 'when' ;
DND : 'dnd' ; ALL : 'all' ; LEAD : 'lead' ;

ARROW : '->' ; COALESCE : '??' ; QMARK : '?' ;
EQ : '==' ; NE : '!=' ; LE : '<=' ; GE : '>=' ; LT : '<' ; GT : '>' ;
PLUS : '+' ; MINUS : '-' ; STAR : '*' ; SLASH : '/' ; PERCENT_OP : '%' ;
DOT : '.' ; COMMA : ',' ; COLON : ':' ; ASSIGN : '=' ;
LPAREN : '(' ; RPAREN : ')' ; LBRACE : '{' ; RBRACE : '}' ; LBRACK : '[' ; RBRACK : ']' ;

TIMESTAMP : DATE_PART 'T' D2 ':' D2 (':' D2)? ;
DATE      : DATE_PART ;
TIME      : D2 ':' D2 ;
PERCENT   : (NUM_BODY ('.' DIGITS_ (EXPONENT)? | EXPONENT)?) '%' { percentAllowed() }? ;
DURATION  : NUM_BODY [smhdw] ;
FLOAT     : NUM_BODY '.' DIGITS_? EXPONENT? | NUM_BODY EXPONENT | '.' DIGIT+ EXPONENT? ;
INT       : NUM_BODY ;

RAW_STRING   : 'r"' ~["\r\n]* '"' ;
STRING       : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"' ;
UNTERMINATED_STRING : 'r'? '"' (~["\\\r\n] | '\\' ~[\r\n])* '\\'? ;

IDENT : [A-Za-z_] [A-Za-z0-9_]* ;
// A name with letters beyond ASCII: reported, then read as a name so parsing goes on.
NON_ASCII_IDENT : [A-Za-z_\p{L}] [A-Za-z0-9_\p{L}\p{N}]* ;
// `# ...` is not a comment; matched whole so it is reported once with a hint.
HASH_COMMENT : '#' ~[\r\n]* ;

LINE_COMMENT  : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' (~'*' | '*'+ ~[*/])* '*'+ '/' -> channel(HIDDEN) ;
UNTERMINATED_COMMENT : '/*' (~'*' | '*'+ ~[*/])* '*'* ;
WS : [ \t\r\n\u000C\uFEFF]+ -> channel(HIDDEN) ;
ERROR_CHAR : . ;

fragment DIGIT     : [0-9] ;
fragment D2        : DIGIT DIGIT ;
fragment DATE_PART : DIGIT DIGIT DIGIT DIGIT '-' D2 '-' D2 ;
fragment NUM_BODY  : DIGIT (DIGIT | '_')* ;
fragment DIGITS_   : (DIGIT | '_')+ ;
fragment EXPONENT  : [eE] [+-]? (DIGIT | '_')* ;
