using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Fleet.Application.Common;

namespace Fleet.Web.Api;

/// <summary>
/// One check over everything an API request brings in: the query string, the route values and every bound argument
/// (JSON bodies walked field by field). Text may not hold a NUL character (PostgreSQL cannot store one) nor be longer than
/// the longest column; dates lie in 1900–2199 (beyond that, date arithmetic and PostgreSQL overflow). A refusal is a 400
/// naming the field, before the handler runs.
/// </summary>
public static class InputGuard
{
    /// <summary>The longest text any field stores (an RMA case's evidence); a longer value is refused without being read further.</summary>
    public const int LongestText = 64_000;

    public static readonly DateTime Earliest = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Exclusive.</summary>
    public static readonly DateTime Latest = new(2200, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private const int MaxDepth = 8;
    private static readonly ConcurrentDictionary<Type, (PropertyInfo Property, string Name)[]> s_properties = new();

    /// <summary>Adds the guard to every endpoint of <paramref name="builder"/>.</summary>
    public static TBuilder WithInputGuard<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var inputs = factory.MethodInfo.GetParameters()
                .Select((p, i) => (Index: i, Name: p.Name ?? "value", p.ParameterType))
                .Where(p => p.ParameterType == typeof(string) || IsRecord(p.ParameterType))
                .ToArray();
            return context =>
            {
                CheckRequest(context.HttpContext.Request);
                foreach (var (index, name, type) in inputs)
                {
                    // A body's fields are named as the JSON names them (notes, lines[0].model), a plain argument by itself.
                    Check(context.Arguments[index], type == typeof(string) ? name : "");
                }

                return next(context);
            };
        });

    /// <summary>The query string and route values.</summary>
    public static void CheckRequest(HttpRequest request)
    {
        foreach (var (key, values) in request.Query)
        {
            CheckText(key, "query");
            foreach (var value in values)
            {
                CheckText(value ?? "", key);
            }
        }

        foreach (var (key, value) in request.RouteValues)
        {
            if (value is string text)
            {
                CheckText(text, key);
            }
        }
    }

    /// <summary>Checks <paramref name="value"/> and everything in it; <paramref name="path"/> names it in the error.</summary>
    public static void Check(object? value, string path, int longest = LongestText) => Walk(value, path, 0, longest);

    /// <summary>Refuses a date outside 1900-01-01 to 2199-12-31, naming <paramref name="name"/>.</summary>
    public static void CheckDate(DateTime value, string name)
    {
        if (value < Earliest || value >= Latest)
        {
            throw new ValidationException(name, string.Create(CultureInfo.InvariantCulture,
                $"{name} must lie between {Earliest:yyyy-MM-dd} and {Latest.AddDays(-1):yyyy-MM-dd}, got {value:yyyy-MM-dd}."));
        }
    }

    /// <summary>Refuses text with a NUL character or longer than <see cref="LongestText"/>, naming <paramref name="name"/>.</summary>
    public static void CheckText(string value, string name, int longest = LongestText)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ValidationException(name, $"{name} contains a NUL character (U+0000), which text may not hold.");
        }

        if (value.Length > longest)
        {
            throw new ValidationException(name, string.Create(CultureInfo.InvariantCulture,
                $"{name} has {value.Length:N0} characters; no text field takes more than {longest:N0}."));
        }
    }

    private static void Walk(object? value, string path, int depth, int longest)
    {
        switch (value)
        {
            case null:
                return;
            case string text:
                CheckText(text, path.Length == 0 ? "body" : path, longest);
                return;
            case DateTime date:
                CheckDate(date.Kind == DateTimeKind.Local ? date.ToUniversalTime() : date, path);
                return;
            case DateTimeOffset offset:
                CheckDate(offset.UtcDateTime, path);
                return;
            case DateOnly day:
                CheckDate(day.ToDateTime(TimeOnly.MinValue), path);
                return;
            case IEnumerable items when depth < MaxDepth:
                var i = 0;
                foreach (var item in items)
                {
                    Walk(item, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]"), depth + 1, longest);
                }

                return;
        }

        var type = value.GetType();
        if (depth >= MaxDepth || !IsRecord(type))
        {
            return;
        }

        foreach (var (property, name) in s_properties.GetOrAdd(type, PropertiesOf))
        {
            Walk(property.GetValue(value), path.Length == 0 ? name : $"{path}.{name}", depth + 1, longest);
        }
    }

    private static (PropertyInfo, string)[] PropertiesOf(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .Select(p => (p, JsonNamingPolicy.CamelCase.ConvertName(p.Name)))
            .ToArray();

    /// <summary>Request and response DTOs are records (their compiler-made clone method says so); services and contexts are not walked.</summary>
    private static bool IsRecord(Type type) =>
        type.IsClass && type.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance) is not null;
}
