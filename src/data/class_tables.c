/* The class names of the published label orders, for senet_class_names:
 * ImageNet-1k (generated once from torchvision, kept in imagenet_names.inc),
 * CIFAR-10 and CIFAR-100. */
#include "senet_data.h"

static const char *const imagenet_names[1000] = {
#include "imagenet_names.inc"
};

/* CIFAR-10's label order 0-9. */
static const char *const cifar10_names[10] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                              "dog",      "frog",       "horse", "ship", "truck"};

/* CIFAR-100's fine labels in the order of its meta file (alphabetical). */
static const char *const cifar100_names[100] = {
    "apple",      "aquarium_fish", "baby",         "bear",       "beaver",      "bed",       "bee",
    "beetle",     "bicycle",       "bottle",       "bowl",       "boy",         "bridge",    "bus",
    "butterfly",  "camel",         "can",          "castle",     "caterpillar", "cattle",    "chair",
    "chimpanzee", "clock",         "cloud",        "cockroach",  "couch",       "crab",      "crocodile",
    "cup",        "dinosaur",      "dolphin",      "elephant",   "flatfish",    "forest",    "fox",
    "girl",       "hamster",       "house",        "kangaroo",   "keyboard",    "lamp",      "lawn_mower",
    "leopard",    "lion",          "lizard",       "lobster",    "man",         "maple_tree", "motorcycle",
    "mountain",   "mouse",         "mushroom",     "oak_tree",   "orange",      "orchid",    "otter",
    "palm_tree",  "pear",          "pickup_truck", "pine_tree",  "plain",       "plate",     "poppy",
    "porcupine",  "possum",        "rabbit",       "raccoon",    "ray",         "road",      "rocket",
    "rose",       "sea",           "seal",         "shark",      "shrew",       "skunk",     "skyscraper",
    "snail",      "snake",         "spider",       "squirrel",   "streetcar",   "sunflower", "sweet_pepper",
    "table",      "tank",          "telephone",    "television", "tiger",       "tractor",   "train",
    "trout",      "tulip",         "turtle",       "wardrobe",   "whale",       "willow_tree", "wolf",
    "woman",      "worm"};

const char *const *senet_class_names(int num_classes)
{
    switch (num_classes) {
    case 1000: return imagenet_names;
    case 100: return cifar100_names;
    case 10: return cifar10_names;
    default: return NULL;
    }
}
