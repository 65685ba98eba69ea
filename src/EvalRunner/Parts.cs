namespace EvalRunner;

/// <summary>Finds the parts (evaluator kinds, providers) of this assembly, so that adding one is adding its file.</summary>
internal static class Parts
{
    /// <summary>One instance of every non-abstract subclass of <typeparamref name="T"/> with a parameterless constructor, ordered by name.</summary>
    public static IReadOnlyList<T> Discover<T>(Func<T, string> name)
        where T : class =>
        [.. typeof(T).Assembly.GetTypes()
            .Where(type => type.IsSubclassOf(typeof(T)) && !type.IsAbstract && type.GetConstructor(Type.EmptyTypes) is not null)
            .Select(type => (T)Activator.CreateInstance(type)!)
            .OrderBy(name, StringComparer.Ordinal)];
}
