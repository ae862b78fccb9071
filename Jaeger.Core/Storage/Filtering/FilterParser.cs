using System.Text;

namespace Jaeger.Storage.Filtering;

internal enum FilterTokenKind
{
    End,
    LeftParen,
    RightParen,
    Operator,
    Word,
    String,
}

internal readonly record struct FilterToken(FilterTokenKind Kind, string Text, int Position);

/// <summary>Splits filter text into words, quoted strings, parentheses and comparison operators.</summary>
internal static class FilterLexer
{
    /// <summary>A character that ends a bare word.</summary>
    public static bool IsDelimiter(char c) => char.IsWhiteSpace(c) || c is '(' or ')' or '"' or '=' or '!' or '<' or '>';

    /// <summary>Text that reads back as one bare word.</summary>
    public static bool IsPlainWord(string text)
    {
        if (text.Length == 0)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (IsDelimiter(c) || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Words that mean something in the language, so a tag with such a key is quoted.</summary>
    public static bool IsReservedWord(string word) =>
        word.Equals("and", StringComparison.OrdinalIgnoreCase) || word.Equals("or", StringComparison.OrdinalIgnoreCase) ||
        word.Equals("not", StringComparison.OrdinalIgnoreCase) || word.Equals("exists", StringComparison.OrdinalIgnoreCase) ||
        word.Equals("startsWith", StringComparison.OrdinalIgnoreCase) ||
        word is "service" or "operation" or "duration";

    public static List<FilterToken> Tokenize(string text)
    {
        var tokens = new List<FilterToken>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i == text.Length)
            {
                tokens.Add(new FilterToken(FilterTokenKind.End, string.Empty, i));
                return tokens;
            }

            var start = i;
            var c = text[i];
            switch (c)
            {
                case '(':
                    tokens.Add(new FilterToken(FilterTokenKind.LeftParen, "(", i++));
                    continue;
                case ')':
                    tokens.Add(new FilterToken(FilterTokenKind.RightParen, ")", i++));
                    continue;
                case '=' or '<' or '>' or '!':
                    var two = i + 1 < text.Length && text[i + 1] == '=';
                    if (c == '!' && !two)
                    {
                        throw new SpanFilterSyntaxException("'!' must be followed by '=' (write NOT to negate)", i);
                    }

                    if (c == '=' && two)
                    {
                        throw new SpanFilterSyntaxException("'==' is not an operator; write '='", i);
                    }

                    i += two ? 2 : 1;
                    tokens.Add(new FilterToken(FilterTokenKind.Operator, text[start..i], start));
                    continue;
                case '"':
                    tokens.Add(new FilterToken(FilterTokenKind.String, ReadQuoted(text, ref i), start));
                    continue;
            }

            while (i < text.Length && !IsDelimiter(text[i]))
            {
                if (char.IsControl(text[i]))
                {
                    throw new SpanFilterSyntaxException("a control character is not allowed outside quotes", i);
                }

                i++;
            }

            tokens.Add(new FilterToken(FilterTokenKind.Word, text[start..i], start));
        }
    }

    private static string ReadQuoted(string text, ref int i)
    {
        var start = i++;
        var builder = new StringBuilder();
        while (i < text.Length)
        {
            var c = text[i++];
            if (c == '"')
            {
                return builder.ToString();
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            if (i == text.Length)
            {
                break;
            }

            var escaped = text[i++];
            builder.Append(escaped switch
            {
                '"' or '\\' => escaped,
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                _ => throw new SpanFilterSyntaxException($"unknown escape '\\{escaped}' in a quoted string (use \\\" \\\\ \\n \\t \\r)", i - 2),
            });
        }

        throw new SpanFilterSyntaxException("the quoted string is not closed", start);
    }
}

/// <summary>
/// Recursive descent over the tokens. Precedence from loosest: OR, AND, NOT, then a parenthesized expression,
/// <c>exists key</c>, <c>key exists</c> or a comparison. Nesting is bounded, the text's length by the caller.
/// </summary>
internal sealed class FilterParser
{
    private readonly List<FilterToken> _tokens;
    private int _next;
    private int _depth;

    private FilterParser(List<FilterToken> tokens) => _tokens = tokens;

    public static FilterNode Parse(string text)
    {
        var parser = new FilterParser(FilterLexer.Tokenize(text));
        if (parser.Peek.Kind == FilterTokenKind.End)
        {
            throw new SpanFilterSyntaxException("the filter is empty", 0);
        }

        var node = parser.ParseOr();
        var rest = parser.Peek;
        if (rest.Kind != FilterTokenKind.End)
        {
            throw new SpanFilterSyntaxException(
                rest.Kind == FilterTokenKind.RightParen ? "')' has no matching '('" : $"expected AND, OR or the end, found {Describe(rest)}",
                rest.Position);
        }

        return node;
    }

    private FilterToken Peek => _tokens[_next];

    private FilterToken Take() => _tokens[_next++];

    private bool TakeKeyword(string keyword)
    {
        var token = Peek;
        if (token.Kind == FilterTokenKind.Word && token.Text.Equals(keyword, StringComparison.OrdinalIgnoreCase))
        {
            _next++;
            return true;
        }

        return false;
    }

    private FilterNode ParseOr()
    {
        var left = ParseAnd();
        while (TakeKeyword("or"))
        {
            left = new OrFilter(left, ParseAnd());
        }

        return left;
    }

    private FilterNode ParseAnd()
    {
        var left = ParseNot();
        while (TakeKeyword("and"))
        {
            left = new AndFilter(left, ParseNot());
        }

        return left;
    }

    private FilterNode ParseNot()
    {
        var token = Peek;
        if (!TakeKeyword("not"))
        {
            return ParsePrimary();
        }

        Enter(token);
        var operand = ParseNot();
        _depth--;
        return new NotFilter(operand);
    }

    private FilterNode ParsePrimary()
    {
        var token = Take();
        switch (token.Kind)
        {
            case FilterTokenKind.LeftParen:
                Enter(token);
                var inner = ParseOr();
                _depth--;
                var close = Take();
                if (close.Kind != FilterTokenKind.RightParen)
                {
                    throw new SpanFilterSyntaxException($"expected ')' to close the '(' at offset {token.Position}, found {Describe(close)}", close.Position);
                }

                return inner;
            case FilterTokenKind.Word when token.Text.Equals("exists", StringComparison.OrdinalIgnoreCase):
                return new ExistsFilter(ReadExistsKey(Take()));
            case FilterTokenKind.Word when FilterLexer.IsReservedWord(token.Text) && token.Text is not ("service" or "operation" or "duration"):
                throw new SpanFilterSyntaxException($"expected a condition, found the keyword '{token.Text}' (quote a tag key that is a keyword)", token.Position);
            case FilterTokenKind.Word or FilterTokenKind.String:
                return ParseCondition(token);
            default:
                throw new SpanFilterSyntaxException($"expected a condition, found {Describe(token)}", token.Position);
        }
    }

    private static string ReadExistsKey(FilterToken key)
    {
        if (key.Kind == FilterTokenKind.String || (key.Kind == FilterTokenKind.Word && !FilterLexer.IsReservedWord(key.Text)))
        {
            return key.Text;
        }

        throw new SpanFilterSyntaxException($"'exists' needs a tag key, found {Describe(key)}", key.Position);
    }

    private FilterNode ParseCondition(FilterToken fieldToken)
    {
        var field = fieldToken.Kind == FilterTokenKind.String ? FilterField.Tag(fieldToken.Text) : fieldToken.Text switch
        {
            "service" => FilterField.Service,
            "operation" => FilterField.Operation,
            "duration" => FilterField.Duration,
            _ => FilterField.Tag(fieldToken.Text),
        };

        if (TakeKeyword("exists"))
        {
            if (field.Kind != FilterFieldKind.Tag)
            {
                throw new SpanFilterSyntaxException($"'{field.Key}' is always there; 'exists' applies to tags", fieldToken.Position);
            }

            return new ExistsFilter(field.Key);
        }

        var opToken = Take();
        FilterOperator op;
        if (opToken.Kind == FilterTokenKind.Word && opToken.Text.Equals("startsWith", StringComparison.OrdinalIgnoreCase))
        {
            op = FilterOperator.StartsWith;
        }
        else if (opToken.Kind == FilterTokenKind.Operator)
        {
            op = opToken.Text switch
            {
                "=" => FilterOperator.Equal,
                "!=" => FilterOperator.NotEqual,
                "<" => FilterOperator.Less,
                "<=" => FilterOperator.LessOrEqual,
                ">" => FilterOperator.Greater,
                _ => FilterOperator.GreaterOrEqual,
            };
        }
        else
        {
            throw new SpanFilterSyntaxException(
                $"expected an operator (=, !=, <, <=, >, >=, startsWith) or 'exists' after '{fieldToken.Text}', found {Describe(opToken)}", opToken.Position);
        }

        var valueToken = Take();
        var value = valueToken.Kind switch
        {
            FilterTokenKind.String => FilterValue.String(valueToken.Text),
            FilterTokenKind.Word => FilterValue.FromWord(valueToken.Text),
            _ => throw new SpanFilterSyntaxException($"expected a value after '{opToken.Text}', found {Describe(valueToken)}", valueToken.Position),
        };

        Check(field, op, value, opToken, valueToken);
        return new ComparisonFilter(field, op, value);
    }

    private static void Check(FilterField field, FilterOperator op, FilterValue value, FilterToken opToken, FilterToken valueToken)
    {
        if (field.Kind == FilterFieldKind.Duration)
        {
            if (op == FilterOperator.StartsWith)
            {
                throw new SpanFilterSyntaxException("'startsWith' applies to text, not to 'duration'", opToken.Position);
            }

            if (value.Kind != FilterValueKind.Duration && !(value.Kind == FilterValueKind.Number && value.Number == 0))
            {
                throw new SpanFilterSyntaxException($"'duration' is compared with a duration such as 1.5s, 250ms or 1h30m, not {Describe(valueToken)}", valueToken.Position);
            }

            return;
        }

        if (!FilterOperators.IsOrdering(op))
        {
            return;
        }

        if (field.Kind != FilterFieldKind.Tag)
        {
            throw new SpanFilterSyntaxException($"'{opToken.Text}' compares numbers and durations; '{field.Key}' is text", opToken.Position);
        }

        if (value.Kind != FilterValueKind.Number)
        {
            throw new SpanFilterSyntaxException($"'{opToken.Text}' compares a tag with a number, not {Describe(valueToken)}", valueToken.Position);
        }
    }

    private void Enter(FilterToken token)
    {
        if (++_depth > SpanFilter.MaxDepth)
        {
            throw new SpanFilterSyntaxException($"the filter nests deeper than {SpanFilter.MaxDepth} levels", token.Position);
        }
    }

    private static string Describe(FilterToken token) => token.Kind switch
    {
        FilterTokenKind.End => "the end of the filter",
        FilterTokenKind.String => $"the string \"{token.Text}\"",
        _ => $"'{token.Text}'",
    };
}
